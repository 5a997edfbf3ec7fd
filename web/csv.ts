import type { Response } from 'express';

/** A CSV download holds at most this many pages of 100 rows from the API. */
export const CSV_PAGES = 50;

/** A CSV cell: quoted, and a leading = + - @ defused so a spreadsheet never runs it as a formula. */
const csvCell = (value: string) => `"${(/^[=+\-@\t\r]/.test(value) ? `'${value}` : value).replace(/"/g, '""')}"`;

/**
 * Sends a list as a spreadsheet: its heading and every page the API gives (`pageOf(n)`, 100 a page,
 * up to CSV_PAGES), each row in cells.
 */
export async function sendCsv<T>(
  res: Response,
  filename: string,
  heading: string[],
  pageOf: (page: number) => Promise<{ items: T[]; total: number }>,
  cellsOf: (item: T) => string[],
): Promise<void> {
  const lines = [heading.map(csvCell).join(',')];
  for (let page = 1; page <= CSV_PAGES; page += 1) {
    const result = await pageOf(page);
    for (const item of result.items) lines.push(cellsOf(item).map(csvCell).join(','));
    if (page * 100 >= result.total) break;
  }
  res
    .type('text/csv; charset=utf-8')
    .setHeader('Content-Disposition', `attachment; filename="${filename}"`)
    .send(`${lines.join('\r\n')}\r\n`);
}
