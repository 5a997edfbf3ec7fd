// Part of `npm run build`: the web pages' views, stylesheet source and script, and each process
// kind's optional page summary (workflows/<kind>/summary.njk), beside the compiled code in dist/.
import { cpSync, existsSync, readdirSync } from 'node:fs';
import path from 'node:path';

for (const folder of ['views', 'assets']) cpSync(path.join('web', folder), path.join('dist', 'web', folder), { recursive: true });
for (const kind of readdirSync('workflows')) {
  const summary = path.join('workflows', kind, 'summary.njk');
  if (existsSync(summary)) cpSync(summary, path.join('dist', summary));
}
