import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { testEnv } from './support/env';
import { quietTemporalRuntime } from './support/stack';
import { replayRuns } from '../lib/replay';

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

// Runs recorded live before a workflow's local activities ran one at a time (issue 19, item 5): their
// local activities finished in another order than they started, which a replay cannot follow. Kept as
// regression cases of the race: the replay names where each parts from its history, and runs since
// (`frame-v4-one-local-activity-at-a-time-*` above) replay.
const DIVERGED = path.join(HISTORIES, 'diverged');
/** Where each parts from its history: the first command the replay gives otherwise. */
const PARTS_AT: Record<string, { eventId: number; because: RegExp }> = {
  'almo-v1-reminders-fired-together.json': { eventId: 141, because: /UpsertWorkflowSearchAttributesMachine does not handle .*TimerStarted/ },
  'lma-v7-update-answered-among-reminders.json': { eventId: 147, because: /Timer machine does not handle this event: .*WorkflowExecutionUpdateCompleted/ },
};
const diverged = readdirSync(DIVERGED).filter((file) => file.endsWith('.json'));

describe('histories recorded live that raced their local activities', () => {
  beforeAll(() => quietTemporalRuntime());

  it.each(diverged)('%s is reported as parting from its history, at its event', async (file) => {
    const recorded = JSON.parse(readFileSync(path.join(DIVERGED, file), 'utf8')) as { workflowId: string; history: unknown };
    const report = await replayRuns({ codePath: testEnv('workflowBundle') }, recorded.workflowId, [{ workflowId: recorded.workflowId, runId: file, history: recorded.history }]);

    expect(report.deterministic).toBe(false);
    expect(report.runs[0]?.divergence?.message).toMatch(/TMPRL1100/);
    expect(report.runs[0]?.divergence?.message).toMatch(PARTS_AT[file]?.because ?? /no expectation for this file/);
    expect(report.runs[0]?.divergence?.eventId).toBe(PARTS_AT[file]?.eventId);
  });
});
