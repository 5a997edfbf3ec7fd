// How documents, emails and the timeline state money and dates: as a council would write them.
// Safe in workflows (no I/O; Intl is deterministic for a given Node version).

const POUNDS = new Intl.NumberFormat('en-GB', { style: 'currency', currency: 'GBP', minimumFractionDigits: 2 });
const DATE_IN_WORDS = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/London' });

/** A stage, an outcome or another code as people read it: `outline_plan` is "outline plan". */
export const inWords = (code: string): string => code.replace(/_/g, ' ');

/** An amount in pence as pounds, e.g. 1200000 → "£12,000.00". */
export const inPounds = (pence: number): string => POUNDS.format(pence / 100);

const DATE_TIME_IN_WORDS = new Intl.DateTimeFormat('en-GB', { dateStyle: 'full', timeStyle: 'short', timeZone: 'Europe/London' });
/** An instant as a London date and time in words, e.g. "Thursday 1 April 2027 at 14:05". */
export const dateTimeInWords = (iso: string): string => DATE_TIME_IN_WORDS.format(new Date(iso));

/** An instant as the date it is in London, in words, e.g. "1 April 2027". */
export const dateInWords = (iso: string): string => DATE_IN_WORDS.format(new Date(iso));

/** A calendar date (e.g. 2027-04-01) as the instant it starts, for dates people enter. */
export const startOfDate = (date: string): string => `${date.slice(0, 10)}T00:00:00.000Z`;

const LONDON_DATE = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' });
/** The calendar date (YYYY-MM-DD) in London at an instant: what "today" is for a date people enter. */
export const calendarDateOf = (iso: string): string => LONDON_DATE.format(new Date(iso));

/** A calendar date in words, e.g. 2027-04-01 → "1 April 2027". */
export const calendarDateInWords = (date: string): string => dateInWords(startOfDate(date));

const COUNT = new Intl.NumberFormat('en-GB');
/** A value that is a code from a list (`keep_almo`, `in_house`), not words someone typed. */
const CODE = /^[a-z]+(_[a-z]+)+$/;
/** A form field's name as people read it: `annualChargePence` is "annual charge" (its amount is in pounds). */
const fieldInWords = (name: string): string =>
  name
    .replace(/Pence$/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/_/g, ' ')
    .toLowerCase()
    .replace(/\bkpis\b/, 'KPIs');
const valueInWords = (name: string, value: unknown): string => {
  if (value === null || value === undefined) return 'none';
  if (typeof value === 'string')
    return /^\d{4}-\d{2}-\d{2}$/.test(value) ? calendarDateInWords(value) : CODE.test(value) ? inWords(value) : value;
  if (typeof value === 'number') return name.endsWith('Pence') ? inPounds(value) : COUNT.format(value);
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (Array.isArray(value)) return value.length === 0 ? 'none' : value.map((item) => valueInWords(name, item)).join('; ');
  return Object.entries(value as Record<string, unknown>)
    .map(([field, inner]) => `${fieldInWords(field)} ${valueInWords(field, inner)}`)
    .join(', ');
};

/**
 * A decision's form as a person reads it, a line a field: names in words, amounts in pounds, dates in
 * words, lists and records spelt out, e.g. `Terms: annual charge £144,000.00, unit cost £45.00, ...`.
 */
export const formInWords = (form: Record<string, unknown>): string[] =>
  Object.entries(form).map(([name, value]) => {
    const words = fieldInWords(name);
    return `${words.charAt(0).toUpperCase()}${words.slice(1)}: ${valueInWords(name, value)}`;
  });
