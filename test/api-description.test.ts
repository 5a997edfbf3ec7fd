import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureSchemathesis } from '../scripts/lib/schemathesis';
import { adviserTask, lmaCast, startLma, type LmaCast } from './support/lma';
import { UNLIMITED, startTestStack, type TestStack } from './support/stack';

// The description a client generates its code from (/openapi.json) says what the API does: schemathesis
// sends requests generated from it, as a client would, and checks every answer against it.

let stack: TestStack;
let cast: LmaCast;
let baseUrl: string;
let close: () => void;
let st: string;
beforeAll(async () => {
  st = ensureSchemathesis();
  stack = await startTestStack();
  cast = await lmaCast(stack);
  // Its own API without the rate limit, which a generator sending hundreds of requests would only meet.
  ({ baseUrl, close } = await stack.api({ rateLimit: UNLIMITED }));
  const processId = await startLma(stack, cast);
  await adviserTask(stack, processId, cast.housingManager);
}, 300_000);
afterAll(async () => {
  close();
  await stack.stop();
});

function schemathesis(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    // In a folder of its own: schemathesis keeps a cache of what it found where it runs, and replays it.
    const cwd = mkdtempSync(path.join(os.tmpdir(), 'hg-schemathesis-'));
    const child = spawn(st, args, {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1', SCHEMATHESIS_TELEMETRY: 'false' },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      rmSync(cwd, { recursive: true, force: true });
      resolve({ code, output });
    });
  });
}

describe('the API description, checked by schemathesis', () => {
  it('declares every status a route answers, accepts every request it calls valid, and answers 405 to a method a path does not take', async () => {
    const run = await schemathesis([
      '--config-file',
      path.join(__dirname, 'schemathesis.toml'),
      'run',
      `${baseUrl}/openapi.json`,
      '--header',
      `Authorization: Bearer ${cast.programmeManager.token}`,
      '--max-examples',
      '25',
      // One worker: schemathesis's workers are threads, and Python 3.11's AST construction (hypothesis
      // parses its lambdas' source) is not safe across threads: now and then it fails with "AST
      // constructor recursion depth mismatch" (CPython gh-106905), a crash of the tool, not the API's.
      '--workers',
      '1',
      // Stateful runs follow links schemathesis guesses between operations, which name task ids by the
      // wrong field; the description has no links of its own yet.
      '--phases',
      'examples,coverage,fuzzing',
      '--seed',
      '19',
      // Bodies whose fields are patterned (task ids, non-blank text) have many generated values
      // filtered out; the health check would stop such an operation instead of testing what it can.
      '--suppress-health-check=filter_too_much',
    ]);
    if (run.code !== 0) console.log(run.output);
    expect(run.code).toBe(0);
  }, 600_000);
});
