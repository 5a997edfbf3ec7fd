import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { callApi, type TestStack, type TestUser } from './stack';

// `RECORD_HISTORIES=1 npm test` records a version's runs for the replay suite (test/replay.test.ts).

/**
 * Writes each finished run of a process (its children's included) to test/histories/, as the auditors'
 * export gives it, with its workflow id; `fileOf` names each run's file, or skips it with undefined.
 */
export async function recordRuns(stack: TestStack, processId: string, as: TestUser, fileOf: (workflowId: string) => string | undefined): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  const exported = await callApi<{ runs: { workflowId: string; status: string; history: unknown }[] }>(stack.baseUrl, 'GET', `/processes/${processId}/history`, { as });
  for (const run of exported.body.runs.filter((r) => r.status !== 'RUNNING')) {
    const file = fileOf(run.workflowId);
    if (file) writeFileSync(path.join(__dirname, '..', 'histories', `${file}.json`), JSON.stringify({ workflowId: run.workflowId, history: run.history }));
  }
}

/** A run's name within its process: `process` for the process itself, else the child's id after the process's. */
export const runName = (processId: string, workflowId: string): string => (workflowId === processId ? 'process' : workflowId.slice(processId.length + 1).replace(/:/g, '-'));
