import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { testEnv } from './support/env';
import { quietTemporalRuntime } from './support/stack';

// Histories recorded from earlier workflow versions (`RECORD_HISTORIES=1 npm test` writes new ones).
// A change to workflow code that running processes could not replay fails here: guard it with patched().
const HISTORIES = path.join(__dirname, 'histories');
const recorded = readdirSync(HISTORIES).filter((file) => file.endsWith('.json'));

describe('recorded process histories', () => {
  beforeAll(() => quietTemporalRuntime());

  it('are there to guard the workflows', () => {
    expect(recorded.length).toBeGreaterThan(0);
  });

  it.each(recorded)('%s replays deterministically against the current workflow code', async (file) => {
    // A history as the Temporal CLI exports it, or a run as the auditors' export gives it (with its
    // workflow id, which a process whose child ids derive from its own needs to replay).
    const recorded = JSON.parse(readFileSync(path.join(HISTORIES, file), 'utf8')) as { events?: unknown[]; workflowId?: string; history?: unknown };
    const { history, workflowId } = recorded.events ? { history: recorded, workflowId: file } : { history: recorded.history, workflowId: recorded.workflowId ?? file };
    await expect(Worker.runReplayHistory({ workflowBundle: { codePath: testEnv('workflowBundle') } }, history, workflowId)).resolves.toBeUndefined();
  });
});
