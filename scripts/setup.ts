// `npm run setup`: prepares an existing Temporal cluster and database (search attributes, migrations).
// `npm start` does the same itself; Compose runs this as a one-shot service before the worker and API.
import { appConfigSchema, parseConfig } from '../lib/config';
import { prepareBackends } from './lib/prepare';

const config = parseConfig(appConfigSchema.pick({ DATABASE_URL: true, TEMPORAL_ADDRESS: true, TEMPORAL_NAMESPACE: true }));
prepareBackends({ temporalAddress: config.TEMPORAL_ADDRESS, namespace: config.TEMPORAL_NAMESPACE, databaseUrl: config.DATABASE_URL })
  .then((applied) =>
    console.log(
      applied.length ? `migrations applied: ${applied.join(', ')}` : 'database schema is up to date; search attributes registered',
    ),
  )
  .catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
