import nunjucks from 'nunjucks';
import path from 'node:path';

/** Renders a page: the service's views, then GOV.UK Frontend's components. Autoescaped. */
export function pages() {
  const env = new nunjucks.Environment(
    new nunjucks.FileSystemLoader([
      path.join(__dirname, 'views'),
      path.join(path.dirname(require.resolve('govuk-frontend/package.json')), 'dist'),
    ]),
    { autoescape: true, throwOnUndefined: false },
  );
  return (view: string, context: Record<string, unknown>): string => env.render(view, { ...context, webPath: '/app' });
}
