import { Connection } from '@temporalio/client';
import { ensureSearchAttributes } from '../../lib/temporal';
import { migrate } from './migrate';
import { waitFor } from './processes';

export interface Backends {
  temporalAddress: string;
  namespace: string;
  databaseUrl: string;
}

/**
 * Makes Temporal and the database ready for the service: registers the search attributes and applies
 * the migrations. Waits for both to come up, since in Compose they may still be starting.
 */
export async function prepareBackends({ temporalAddress, namespace, databaseUrl }: Backends, timeoutMs = 120_000): Promise<string[]> {
  await waitFor(
    `search attributes on Temporal at ${temporalAddress}`,
    async () => {
      const connection = await Connection.connect({ address: temporalAddress, connectTimeout: 2_000 });
      try {
        await ensureSearchAttributes(connection, namespace);
      } finally {
        await connection.close();
      }
    },
    timeoutMs,
  );
  let applied: string[] = [];
  await waitFor(`migrations on ${new URL(databaseUrl).host}`, async () => (applied = await migrate(databaseUrl)), timeoutMs);
  return applied;
}
