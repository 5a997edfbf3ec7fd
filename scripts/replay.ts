// `npm run replay -- <process-id> | --file <history.json> | --council <council> [--workflows <dir>]`
// Replays histories against the current workflow code (or, with --workflows, a changed version of it,
// to learn before deploying whether running processes would break). Exits 1 on any divergence.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { launcherConfigSchema, parseConfig } from '../lib/config';
import { createPrisma } from '../lib/db';
import { processRuns, replayRuns, workflowCode, type ReplayReport } from '../lib/replay';
import { embeddedDatabaseUrl } from './lib/embedded-postgres';

async function main(): Promise<boolean> {
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { file: { type: 'string' }, council: { type: 'string' }, workflows: { type: 'string' } } });
  const code = await workflowCode(undefined, values.workflows ? path.resolve(values.workflows) : undefined)();
  const reports: ReplayReport[] = [];
  if (values.file) {
    reports.push(await replayRuns(code, path.basename(values.file), [{ runId: 'file', history: JSON.parse(readFileSync(values.file, 'utf8')) as unknown }]));
  } else {
    const config = parseConfig(launcherConfigSchema);
    const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS ?? `127.0.0.1:${config.TEMPORAL_DEV_PORT}` });
    const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
    try {
      let ids = positionals;
      if (values.council) {
        const prisma = createPrisma(config.DATABASE_URL ?? embeddedDatabaseUrl(config.EMBEDDED_PG_PORT));
        ids = (await prisma.processRecord.findMany({ where: { council: values.council }, select: { id: true } })).map((r) => r.id);
        await prisma.$disconnect();
      }
      if (ids.length === 0) throw new Error('name a process id, --file <history.json> or --council <council>');
      for (const id of ids) reports.push(await replayRuns(code, id, await processRuns(client, id)));
    } finally {
      await connection.close();
    }
  }
  for (const report of reports) {
    for (const run of report.runs) {
      console.log(run.deterministic ? `${report.processId} ${run.runId}: deterministic` : `${report.processId} ${run.runId}: DIVERGES at event ${run.divergence?.eventId ?? '?'}: ${run.divergence?.message}`);
    }
  }
  return reports.every((r) => r.deterministic);
}

main()
  .then((ok) => process.exit(ok ? 0 : 1))
  .catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(2);
  });
