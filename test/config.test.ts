import { appConfigSchema, ConfigError, launcherConfigSchema, parseConfig } from '../lib/config';
import type * as Paths from '../scripts/lib/paths';

const required = { DATABASE_URL: 'postgresql://u:p@localhost:5432/db', TEMPORAL_ADDRESS: 'localhost:7233' };

describe('configuration from the environment', () => {
  it('fills in the documented defaults', () => {
    expect(parseConfig(appConfigSchema, required)).toMatchObject({
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: 'housing-governance',
      API_PORT: 3000,
      LOG_LEVEL: 'info',
    });
  });

  it('stops start-up with a message naming each bad variable', () => {
    const parse = () => parseConfig(appConfigSchema, { ...required, API_PORT: 'eighty', TEMPORAL_ADDRESS: 'http://temporal' });

    expect(parse).toThrow(ConfigError);
    expect(parse).toThrow(/API_PORT/);
    expect(parse).toThrow(/TEMPORAL_ADDRESS: expected host:port/);
  });

  it('takes the identity provider whole or not at all, naming what is missing', () => {
    const entra = {
      OIDC_ISSUER: 'https://login.microsoftonline.com/0b7a8c9d-0000-4000-8000-000000000000/v2.0',
      OIDC_CLIENT_ID: 'housing-governance',
      OIDC_CLIENT_SECRET: 'secret',
      OIDC_REDIRECT_URI: 'https://housing.example.gov.uk/app/sign-in/callback',
      OIDC_SUBJECT_CLAIM: 'oid',
    };
    expect(parseConfig(appConfigSchema, { ...required, ...entra })).toMatchObject(entra);
    expect(parseConfig(appConfigSchema, required).OIDC_SUBJECT_CLAIM).toBe('sub');
    const partial = () => parseConfig(appConfigSchema, { ...required, OIDC_ISSUER: entra.OIDC_ISSUER, OIDC_CLIENT_ID: 'x' });
    expect(partial).toThrow(/OIDC_CLIENT_SECRET: needed with OIDC_ISSUER, OIDC_CLIENT_ID/);
    expect(partial).toThrow(/OIDC_REDIRECT_URI/);
  });

  it('says which required variable is missing', () => {
    expect(() => parseConfig(appConfigSchema, { TEMPORAL_ADDRESS: 'localhost:7233' })).toThrow(/DATABASE_URL/);
  });

  it('lets the launcher run everything locally when no addresses are given, treating empty as unset', () => {
    const config = parseConfig(launcherConfigSchema, { DATABASE_URL: '', TEMPORAL_ADDRESS: '' });

    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.TEMPORAL_ADDRESS).toBeUndefined();
    expect(config).toMatchObject({ EMBEDDED_PG_PORT: 54329, TEMPORAL_DEV_PORT: 7233, TEMPORAL_UI_PORT: 8233, HG_DATA_DIR: '.data' });
  });

  it('keeps the downloaded tools and the noted database in HG_DATA_DIR, like everything else', () => {
    const before = process.env.HG_DATA_DIR;
    process.env.HG_DATA_DIR = '/var/tmp/hg-elsewhere';
    try {
      jest.isolateModules(() => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- read afresh under the changed environment
        const paths = require('../scripts/lib/paths') as typeof Paths;
        expect(paths.TOOLS_DIR).toBe('/var/tmp/hg-elsewhere/tools');
        expect(paths.RUNNING_DATABASE_FILE).toBe('/var/tmp/hg-elsewhere/run/database.json');
      });
    } finally {
      if (before === undefined) delete process.env.HG_DATA_DIR;
      else process.env.HG_DATA_DIR = before;
    }
  });
});
