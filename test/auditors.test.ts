import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { threadId } from 'node:worker_threads';
import { Worker } from '@temporalio/worker';
import { replayOffThread } from '../lib/replay-thread';
import { eventually } from './support/eventually';
import { isReplayDivergenceLog, replayRuns, workflowCode } from '../lib/replay';
import { testEnv } from './support/env';
import { adviserTask, appointment, lmaCast, startLma, type LmaCast } from './support/lma';
import { recordsRendered } from './support/documents';
import { completeTask, settled } from './support/tasks';
import { pdfText } from './support/pdf';
import { callApi, startTestStack, type TestStack } from './support/stack';

const run = promisify(execFile);

let stack: TestStack;
let cast: LmaCast;
let processId: string;
beforeAll(async () => {
  stack = await startTestStack();
  cast = await lmaCast(stack);
  processId = await startLma(stack, cast);
  await completeTask(stack, await adviserTask(stack, processId, cast.housingManager), cast.housingManager, appointment);
  await settled(stack, processId);
  // Its decision record, rendered just after the decision: the evidence pack lists it.
  await recordsRendered(stack, processId);
});
afterAll(async () => {
  await stack.stop();
});

interface ExportedHistory {
  processId: string;
  runs: { runId: string; status: string; history: { events: { eventId: string; eventType: string }[] } }[];
}
const exportHistory = async () =>
  (await callApi<ExportedHistory>(stack.baseUrl, 'GET', `/processes/${processId}/history`, { as: cast.auditor })).body;

describe('what an auditor can check', () => {
  it('exports the event history of every run, in the JSON the Temporal tools use, and it replays clean', async () => {
    const exported = await exportHistory();

    expect(exported.runs).toHaveLength(1);
    expect(exported.runs[0]!.history.events[0]).toMatchObject({ eventId: '1', eventType: 'EVENT_TYPE_WORKFLOW_EXECUTION_STARTED' });
    await expect(
      Worker.runReplayHistory({ workflowBundle: { codePath: testEnv('workflowBundle') } }, exported.runs[0]!.history, processId),
    ).resolves.toBeUndefined();
  });

  it('replays a process against the current code through the API, and every process of a council in a batch', async () => {
    const single = await callApi<{ deterministic: boolean; runs: unknown[] }>(stack.baseUrl, 'POST', `/processes/${processId}/replay`, {
      as: cast.auditor,
    });
    const batch = await callApi<{ deterministic: boolean; processes: { processId: string }[] }>(
      stack.baseUrl,
      'POST',
      `/councils/${cast.council}/replay`,
      { as: cast.auditor },
    );

    expect(single.body).toMatchObject({ deterministic: true, runs: [{ deterministic: true }] });
    expect(batch.body.deterministic).toBe(true);
    expect(batch.body.processes.map((p) => p.processId)).toEqual([processId]);
  });

  it('answers a replay that takes longer than its wait with 202 and where to follow it; it goes on, off the event loop, to its report', async () => {
    // An API that answers at once: any replay is then a long one.
    const { baseUrl, close } = await stack.api({ replayAnswerWaitMs: 0 });
    try {
      const asked = await callApi<{ replayId: string; status: string }>(baseUrl, 'POST', `/processes/${processId}/replay`, {
        as: cast.auditor,
      });
      expect(asked.status).toBe(202);
      expect(asked.headers.get('location')).toBe(`/replays/${asked.body.replayId}`);
      expect(asked.body).toMatchObject({ status: 'running', processId, council: cast.council });
      // Other requests are answered meanwhile.
      expect((await callApi(baseUrl, 'GET', `/processes/${processId}`, { as: cast.auditor })).status).toBe(200);

      const done = await eventually(async () => {
        const job = await callApi<{ status: string; runsReplayed: number; runsDiverged: number; report: unknown }>(
          stack.baseUrl,
          'GET',
          `/replays/${asked.body.replayId}`,
          { as: cast.auditor },
        );
        expect(job.body.status).toBe('done');
        return job.body;
      });
      expect(done).toMatchObject({
        runsReplayed: 1,
        runsDiverged: 0,
        report: { processId, deterministic: true, runs: [{ deterministic: true }] },
      });
      // To anyone but an auditor of its council, the replay does not exist.
      expect((await callApi(stack.baseUrl, 'GET', `/replays/${asked.body.replayId}`, { as: cast.programmeManager })).status).toBe(404);
    } finally {
      close();
    }
  });

  it("replays in a thread of its own, with the same results as in the API's thread", async () => {
    const exported = await exportHistory();
    const inputs = exported.runs.map((r) => ({ processId, workflowId: processId, runId: r.runId, history: r.history }));
    const code = { codePath: testEnv('workflowBundle') };

    const offThread = [];
    for await (const result of replayOffThread(code, inputs)) offThread.push(result);

    expect(offThread.map(({ threadId }) => threadId)).not.toContain(threadId);
    expect(offThread.map(({ runId, deterministic }) => ({ runId, deterministic }))).toEqual(
      (await replayRuns(code, processId, exported.runs)).runs,
    );
  });

  it('spreads runs over every thread it is given, answering them in their order', async () => {
    const exported = await exportHistory();
    const once = exported.runs.map((r) => ({ processId, workflowId: processId, runId: r.runId, history: r.history }));
    const inputs = [1, 2, 3].flatMap((copy) => once.map((input) => ({ ...input, runId: `${input.runId}/${copy}` })));
    const code = { codePath: testEnv('workflowBundle') };

    const results = [];
    for await (const result of replayOffThread(code, inputs, 2)) results.push(result);

    expect(results.map(({ runId, deterministic }) => ({ runId, deterministic }))).toEqual(
      inputs.map(({ runId }) => ({ runId, deterministic: true })),
    );
    expect(new Set(results.map(({ threadId }) => threadId)).size).toBe(2);
  });

  it('ends its threads when whoever reads the results stops early (a client gone)', async () => {
    const exported = await exportHistory();
    const run = exported.runs[0]!;
    const inputs = Array.from({ length: 8 }, (_, k) => ({
      processId,
      workflowId: processId,
      runId: `${run.runId}/${k}`,
      history: run.history,
    }));
    const code = { codePath: testEnv('workflowBundle') };

    const read = [];
    for await (const result of replayOffThread(code, inputs, 2)) {
      read.push(result.runId);
      if (read.length === 2) break;
    }

    // Stopping waited for the threads to end by themselves (a thread stopped from outside mid-run aborts the process).
    expect(read).toEqual([inputs[0]!.runId, inputs[1]!.runId]);
  });

  it('reports a deliberately changed workflow as divergent, at the first event it no longer produces', async () => {
    const exported = await exportHistory();
    const changed = await workflowCode(undefined, path.join(__dirname, 'fixtures', 'lma-changed'))();

    const report = await replayRuns(changed, processId, exported.runs);

    // The fixture starts a timer where the recorded run first set a patch marker.
    const firstMarker = exported.runs[0]!.history.events.find((e) => e.eventType === 'EVENT_TYPE_MARKER_RECORDED');
    expect(report.deterministic).toBe(false);
    expect(report.runs[0]!.divergence?.eventId).toBe(Number(firstMarker!.eventId));
  });

  it("does not log a replay's divergence as a worker's warning (the report states it), but would a live worker's", async () => {
    const [changed, { runs }] = await Promise.all([
      workflowCode(undefined, path.join(__dirname, 'fixtures', 'lma-changed'))(),
      exportHistory(),
    ]);
    const started = Date.now();
    await replayRuns(changed, processId, runs);
    const during = Math.round((started + Date.now()) / 2);
    const failure = {
      failure: 'Failure { failure: Some(Failure { message: "[TMPRL1100] Nondeterminism error: …" }), force_cause: NonDeterministicError }',
    };
    const nanos = (ms: number) => BigInt(ms) * 1_000_000n;

    expect(isReplayDivergenceLog('Failing workflow task', failure, nanos(during))).toBe(true);
    expect(isReplayDivergenceLog('Failing workflow task', failure, nanos(Date.now() + 60_000))).toBe(false);
    expect(isReplayDivergenceLog('Failing workflow task', { failure: 'Failure { message: "activity timed out" }' }, nanos(during))).toBe(
      false,
    );
  });

  it('replays a history file from the command line, and fails with the divergent event against a changed workflow', async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'hg-history-')), 'history.json');
    writeFileSync(file, JSON.stringify((await exportHistory()).runs[0]!.history));
    const cli = (...args: string[]) =>
      run(process.execPath, ['--import', 'tsx', path.join(__dirname, '..', 'scripts', 'replay.ts'), ...args]);

    const clean = await cli('--file', file);
    const divergent = cli('--file', file, '--workflows', path.join(__dirname, 'fixtures', 'lma-changed'));

    expect(clean.stdout).toContain('history.json file: deterministic');
    await expect(divergent).rejects.toMatchObject({ code: 1, stdout: expect.stringMatching(/DIVERGES at event 5/) });
  }, 60_000);

  it('produces an evidence pack with the timeline, decisions, document hashes, rules, replay and audit checks', async () => {
    const response = await fetch(`${stack.baseUrl}/processes/${processId}/evidence-pack`, {
      headers: { authorization: `Bearer ${cast.auditor.token}` },
    });
    // Long lines wrap in the PDF: compare with white space folded.
    const text = pdfText(Buffer.from(await response.arrayBuffer())).replace(/\s+/g, ' ');
    const [decisionRecord] = await stack.prisma.document.findMany({ where: { processId } });

    expect(response.headers.get('content-type')).toBe('application/pdf');
    for (const heading of ['Timeline', 'Decisions', 'Documents and their SHA-256', 'Rules checked', 'Replay verification', 'Audit log'])
      expect(text).toContain(heading);
    expect(text).toContain(`appoint-adviser: appoint by ${cast.housingManager.userId} (housing_manager)`);
    expect(text).toContain(decisionRecord!.sha256);
    expect(text).toContain('content matches');
    expect(text).toContain('LMA-R1 consultation support: more than 50% of those who answer in favour');
    expect(text).toContain('replays deterministically');
    expect(text).toContain('Hash chain intact');
  });

  it('is for auditors: others are refused, and auditors change nothing', async () => {
    for (const [method, route] of [
      ['GET', `/processes/${processId}/history`],
      ['POST', `/processes/${processId}/replay`],
      ['GET', `/processes/${processId}/evidence-pack`],
    ] as const) {
      expect((await callApi(stack.baseUrl, method, route, { as: cast.programmeManager })).status).toBe(403);
    }
    expect(
      (await callApi(stack.baseUrl, 'POST', `/processes/${processId}/cancel`, { as: cast.auditor, body: { reasons: 'audit' } })).status,
    ).toBe(403);
    expect(await stack.prisma.auditLog.count({ where: { actorUserId: cast.auditor.userId } })).toBe(0);
  });
});
