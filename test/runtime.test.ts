import { readFileSync } from 'node:fs';
import path from 'node:path';

// The project runs on a Node.js release still supported (README, Quick start): npm scripts find the
// runtime package.json names (node_modules/.bin/node) before the system's, which here is older.

describe('the Node.js the service and its tests run on', () => {
  it('is a long-term support release of version 22 or later, the one package.json pins where it has one for this platform', () => {
    expect(process.release.lts).toEqual(expect.any(String));
    expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(22);
    const manifest = JSON.parse(readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as {
      optionalDependencies: Record<string, string>;
    };
    const pinned = manifest.optionalDependencies[`node-${process.platform}-${process.arch}`];
    if (pinned) expect(process.versions.node).toBe(pinned);
  });
});
