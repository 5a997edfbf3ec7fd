import * as sass from 'sass';
import path from 'node:path';

let compiled: string | undefined;

/** The service's stylesheet: GOV.UK Frontend compiled without GOV.UK's own font, once per process. */
export function stylesheet(): string {
  compiled ??= sass.compile(path.join(__dirname, 'assets', 'app.scss'), {
    // Where govuk-frontend is installed, wherever this file runs from (web/ or dist/web/).
    loadPaths: [path.join(path.dirname(require.resolve('govuk-frontend/package.json')), '..')],
    style: 'compressed',
    quietDeps: true,
  }).css;
  return compiled;
}
