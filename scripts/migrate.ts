// `npm run migrate`: applies committed migrations to DATABASE_URL (used against an existing database).
import { appConfigSchema, parseConfig } from '../lib/config';
import { migrate } from './lib/migrate';

const { DATABASE_URL } = parseConfig(appConfigSchema.pick({ DATABASE_URL: true }));
migrate(DATABASE_URL)
  .then((applied) => console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database schema is up to date'))
  .catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
