import path from 'node:path';

export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
/** Downloaded tools (the Temporal CLI) live here, shared by `npm start` and `npm test`. */
export const TOOLS_DIR = path.join(PROJECT_ROOT, '.data', 'tools');
