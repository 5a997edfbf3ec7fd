// `npm run replay -- <process-id> | --file <history.json> | --council <council> [--workflows <dir>]`
// Replays histories against the current workflow code (or, with --workflows, a changed version of it,
// to learn before deploying whether running processes would break). Exits 1 on any divergence.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { launcherConfigSchema, parseConfig } from '../lib/config';
import { createPrisma } from '../lib/db';
import { replayStream, runsOfProcesses, workflowCode, type ReplayInput } from '../lib/replay';
import { embeddedDatabaseUrl } from './lib/embedded-postgres';

/** One line per run, as its replay finishes. */
const line = (run: { processId: string; runId: string; deterministic: boolean; divergence?: { eventId?: number; message: string } }) =>
  run.deterministic
    ? `${run.processId} ${run.runId}: deterministic`
    : `${run.processId} ${run.runId}: DIVERGES at event ${run.divergence?.eventId ?? '?'}: ${run.divergence?.message}`;

async function main(): Promise<boolean> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { file: { type: 'string' }, council: { type: 'string' }, workflows: { type: 'string' } },
  });
  const code = await workflowCode(undefined, values.workflows ? path.resolve(values.workflows) : undefined)();
  let inputs: AsyncIterable<ReplayInput> | Iterable<ReplayInput>;
  let close = async () => undefined as unknown;
  if (values.file) {
    const name = path.basename(values.file);
    inputs = [{ processId: name, workflowId: name, runId: 'file', history: JSON.parse(readFileSync(values.file, 'utf8')) as unknown }];
  } else {
    const config = parseConfig(launcherConfigSchema);
    const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS ?? `127.0.0.1:${config.TEMPORAL_DEV_PORT}` });
    close = () => connection.close();
    const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
    let ids = positionals;
    if (values.council) {
      const prisma = createPrisma(config.DATABASE_URL ?? embeddedDatabaseUrl(config.EMBEDDED_PG_PORT));
      ids = (
        await prisma.processRecord.findMany({ where: { council: values.council }, select: { id: true }, orderBy: { startedAt: 'asc' } })
      ).map((r) => r.id);
      await prisma.$disconnect();
    }
    if (ids.length === 0) throw new Error('name a process id, --file <history.json> or --council <council>');
    inputs = runsOfProcesses(client, ids);
  }
  // One replay worker for every run, each result printed as it comes: a council's thousands stream.
  let ok = true;
  let runs = 0;
  const started = Date.now();
  try {
    for await (const run of replayStream(code, inputs)) {
      runs += 1;
      ok &&= run.deterministic;
      console.log(line(run));
    }
  } finally {
    await close();
  }
  const seconds = (Date.now() - started) / 1000;
  console.error(
    `${runs} runs replayed in ${seconds.toFixed(1)} s (${(runs / Math.max(seconds, 0.001)).toFixed(0)}/s): ${ok ? 'all deterministic' : 'DIVERGENCES found'}`,
  );
  return ok;
}

main()
  .then((ok) => process.exit(ok ? 0 : 1))
  .catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(2);
  });
