// Writes the prebuilt workflow bundle the production worker loads (WORKFLOW_BUNDLE_PATH).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DefaultLogger, bundleWorkflowCode } from '@temporalio/worker';
import { WORKFLOWS_PATH } from '../worker/workflows-path';

/** Bundles the workflows (or another entry module, e.g. the tests' with fixture processes) into `file`. */
export async function writeWorkflowBundle(file: string, workflowsPath = WORKFLOWS_PATH): Promise<void> {
  const { code } = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, code);
}

if (require.main === module) {
  const target = process.argv[2];
  if (!target) {
    console.error('usage: bundle-workflows <output file>');
    process.exit(2);
  }
  writeWorkflowBundle(target).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
