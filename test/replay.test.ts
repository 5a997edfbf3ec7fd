import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { testEnv } from './support/env';
import { quietTemporalRuntime } from './support/stack';
import { replayRuns } from '../lib/replay';
import { writeHistory } from './support/histories';

// Histories recorded from earlier workflow versions (`RECORD_HISTORIES=<kind> npm test` writes new ones).
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
    const recorded = JSON.parse(readFileSync(path.join(HISTORIES, file), 'utf8')) as {
      events?: unknown[];
      workflowId?: string;
      history?: unknown;
    };
    const { history, workflowId } = recorded.events
      ? { history: recorded, workflowId: file }
      : { history: recorded.history, workflowId: recorded.workflowId ?? file };
    await expect(
      Worker.runReplayHistory({ workflowBundle: { codePath: testEnv('workflowBundle') } }, history, workflowId),
    ).resolves.toBeUndefined();
  });
});

// Runs recorded live before a workflow's local activities ran one at a time (issue 19, item 5): their
// local activities finished in another order than they started, which a replay cannot follow. Kept as
// regression cases of the race: the replay names where each parts from its history, and runs since
// (`frame-v4-one-local-activity-at-a-time-*` above) replay.
const DIVERGED = path.join(HISTORIES, 'diverged');
/** Where each parts from its history: the first command the replay gives otherwise. */
const PARTS_AT: Record<string, { eventId: number; because: RegExp }> = {
  'almo-v1-reminders-fired-together.json': {
    eventId: 141,
    because: /UpsertWorkflowSearchAttributesMachine does not handle .*TimerStarted/,
  },
  'lma-v7-update-answered-among-reminders.json': {
    eventId: 147,
    because: /Timer machine does not handle this event: .*WorkflowExecutionUpdateCompleted/,
  },
};
const diverged = readdirSync(DIVERGED).filter((file) => file.endsWith('.json'));

describe('histories recorded live that raced their local activities', () => {
  beforeAll(() => quietTemporalRuntime());

  it.each(diverged)('%s is reported as parting from its history, at its event', async (file) => {
    const recorded = JSON.parse(readFileSync(path.join(DIVERGED, file), 'utf8')) as { workflowId: string; history: unknown };
    const report = await replayRuns({ codePath: testEnv('workflowBundle') }, recorded.workflowId, [
      { workflowId: recorded.workflowId, runId: file, history: recorded.history },
    ]);

    expect(report.deterministic).toBe(false);
    expect(report.runs[0]?.divergence?.message).toMatch(/TMPRL1100/);
    expect(report.runs[0]?.divergence?.message).toMatch(PARTS_AT[file]?.because ?? /no expectation for this file/);
    expect(report.runs[0]?.divergence?.eventId).toBe(PARTS_AT[file]?.eventId);
  });
});

describe('a running process replayed between its workflow tasks', () => {
  beforeAll(() => quietTemporalRuntime());

  it('replays up to its last completed task: a timer fired since, which its worker has yet to act on, is not acted on by the replay', async () => {
    // An ALMO whose reminders fired after a completed task, the reminders' writes still to come.
    const recorded = JSON.parse(readFileSync(path.join(HISTORIES, 'frame-v4-one-local-activity-at-a-time-almo-process.json'), 'utf8')) as {
      workflowId: string;
      history: { events: { eventType: string }[] };
    };
    const events = recorded.history.events;
    const fired = events.findIndex(
      (e, i) =>
        e.eventType === 'EVENT_TYPE_TIMER_FIRED' &&
        events[i + 1]?.eventType === 'EVENT_TYPE_WORKFLOW_TASK_SCHEDULED' &&
        events.slice(i + 2, i + 8).some((later) => later.eventType === 'EVENT_TYPE_MARKER_RECORDED'),
    );
    expect(fired).toBeGreaterThan(0);
    const running = { events: events.slice(0, fired + 3) };

    const report = await replayRuns({ codePath: testEnv('workflowBundle') }, recorded.workflowId, [
      { workflowId: recorded.workflowId, runId: 'running', history: running },
    ]);

    expect(report).toEqual({ processId: recorded.workflowId, deterministic: true, runs: [{ runId: 'running', deterministic: true }] });
  });
});

describe('recording histories', () => {
  it('refuses to overwrite a committed history, which stays the proof it was', () => {
    const file = path.join(HISTORIES, 'lma-v1-adviser-appointed.json');
    const before = readFileSync(file, 'utf8');
    expect(() => writeHistory('lma-v1-adviser-appointed', '{}')).toThrow(
      'test/histories/lma-v1-adviser-appointed.json exists: a committed history is never re-recorded',
    );
    expect(readFileSync(file, 'utf8')).toBe(before);
  });
});
