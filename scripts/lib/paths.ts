import { existsSync } from 'node:fs';
import path from 'node:path';

/** The folder holding package.json: the same from source (tsx) and from the compiled dist/ tree. */
function findProjectRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (dir === path.dirname(dir)) throw new Error(`no package.json above ${start}`);
  }
}

export const PROJECT_ROOT = findProjectRoot(__dirname);
/** Downloaded tools (the Temporal CLI) live here, shared by `npm start` and `npm test`. */
export const TOOLS_DIR = path.join(PROJECT_ROOT, '.data', 'tools');
