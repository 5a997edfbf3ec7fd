import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { callApi, type TestStack, type TestUser } from './stack';

// `RECORD_HISTORIES=<kind>[,<kind>…] npm test` records the runs of those kinds for the replay suite
// (test/replay.test.ts): `lma`, `sla`, `almo`, `optionsreview`, `communitycontract`, or `frame` for the shared frame's.

/** Whether this run records histories of `kind`. */
export const recording = (kind: string): boolean =>
  (process.env.RECORD_HISTORIES ?? '')
    .split(',')
    .map((k) => k.trim())
    .includes(kind);

/**
 * Writes one history under test/histories/. Refuses to overwrite a file there: a committed history is
 * a proof that runs of that version replay, never re-recorded to make a change pass. A new version
 * records under a new name (bump the test's version constant).
 */
export function writeHistory(file: string, content: string): void {
  const target = path.join(__dirname, '..', 'histories', `${file}.json`);
  try {
    writeFileSync(target, content, { flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST')
      throw new Error(`test/histories/${file}.json exists: a committed history is never re-recorded; record this version under a new name`);
    throw err;
  }
}

/**
 * When this run records `kind`, writes each finished run of a process (its children's included), as
 * the auditors' export gives it, with its workflow id; `fileOf` names each run's file, or skips it.
 */
export async function recordRuns(
  stack: TestStack,
  kind: string,
  processId: string,
  as: TestUser,
  fileOf: (workflowId: string) => string | undefined,
): Promise<void> {
  if (!recording(kind)) return;
  const exported = await callApi<{ runs: { workflowId: string; status: string; history: unknown }[] }>(
    stack.baseUrl,
    'GET',
    `/processes/${processId}/history`,
    { as },
  );
  for (const run of exported.body.runs.filter((r) => r.status !== 'RUNNING')) {
    const file = fileOf(run.workflowId);
    if (file) writeHistory(file, JSON.stringify({ workflowId: run.workflowId, history: run.history }));
  }
}

/** A run's name within its process: `process` for the process itself, else the child's id after the process's. */
export const runName = (processId: string, workflowId: string): string =>
  workflowId === processId ? 'process' : workflowId.slice(processId.length + 1).replace(/:/g, '-');
