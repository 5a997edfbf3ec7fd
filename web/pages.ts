import nunjucks from 'nunjucks';
import path from 'node:path';
import { dateTimeInWords } from '../workflows/common/format';

const packageDir = (name: string) => path.dirname(require.resolve(`${name}/package.json`));

/** Renders a page: the service's views, then GOV.UK Frontend's and MOJ Frontend's components. Autoescaped. */
export function pages() {
  const env = new nunjucks.Environment(
    new nunjucks.FileSystemLoader([
      path.join(__dirname, 'views'),
      path.join(packageDir('govuk-frontend'), 'dist'),
      packageDir('@ministryofjustice/frontend'),
    ]),
    { autoescape: true, throwOnUndefined: false },
  );
  // MOJ's timeline dates its items through these filters: London time, in words.
  env.addFilter('date', (timestamp: string) => dateTimeInWords(timestamp));
  env.addFilter('mojDate', (timestamp: string) => dateTimeInWords(timestamp));
  return (view: string, context: Record<string, unknown>): string => env.render(view, { ...context, webPath: '/app' });
}
