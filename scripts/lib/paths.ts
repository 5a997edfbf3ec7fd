import { accessSync, constants, existsSync } from 'node:fs';
import path from 'node:path';

/** The folder holding package.json: the same from source (tsx) and from the compiled dist/ tree. */
function findProjectRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (dir === path.dirname(dir)) throw new Error(`no package.json above ${start}`);
  }
}

export const PROJECT_ROOT = findProjectRoot(__dirname);
/** The data folder (HG_DATA_DIR, default .data): embedded PostgreSQL, the Temporal dev server's file, tools. */
export const DATA_DIR = path.resolve(PROJECT_ROOT, process.env.HG_DATA_DIR || '.data');
/** Downloaded tools (the Temporal CLI) live here, shared by `npm start` and `npm test`. */
export const TOOLS_DIR = path.join(DATA_DIR, 'tools');
/** Where `npm start` notes the database it started, for `npm run admin` to find. */
export const RUNNING_DATABASE_FILE = path.join(DATA_DIR, 'run', 'database.json');

/** Whether `file` is there and may be run. */
export const isExecutable = (file: string): boolean => {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};
