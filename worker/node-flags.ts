// The Node.js flags a worker process runs with, wherever it is started (npm start, npm run cluster,
// the benchmark, docker-compose.yml's `worker`, which test/compose.test.ts holds to these).
//
// A worker keeps many processes' workflow state in memory. Node 24's V8 lets the young generation's
// semi-spaces grow further than Node 20's did: a worker with 5,000 open processes used 170 KiB for
// each against Node 20's 110 KiB, for no saving in CPU. Capped at 8 MiB, two runs gave 111 and
// 137 KiB, with no more CPU per decision (docs/performance.md).
export const WORKER_NODE_FLAGS = ['--max-semi-space-size=8'];

/** The flags to start `entry` (a path from the project root, e.g. `worker/main.ts`) with. */
export const nodeFlagsFor = (entry: string): string[] => (/(^|\/)worker\/main\.(ts|js)$/.test(entry) ? WORKER_NODE_FLAGS : []);
