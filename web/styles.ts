import * as sass from 'sass';
import path from 'node:path';

let compiled: string | undefined;

/** The service's stylesheet: GOV.UK Frontend compiled without GOV.UK's own font, once per process. */
export function stylesheet(): string {
  compiled ??= sass.compile(path.join(__dirname, 'assets', 'app.scss'), {
    loadPaths: [path.join(__dirname, '..', 'node_modules')],
    style: 'compressed',
    quietDeps: true,
  }).css;
  return compiled;
}
