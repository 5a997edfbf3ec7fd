// How documents, emails and the timeline state money and dates: as a council would write them.
// Safe in workflows (no I/O; Intl is deterministic for a given Node version).

const POUNDS = new Intl.NumberFormat('en-GB', { style: 'currency', currency: 'GBP', minimumFractionDigits: 2 });
const DATE_IN_WORDS = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/London' });

/** An amount in pence as pounds, e.g. 1200000 → "£12,000.00". */
/** A stage as people read it: `outline_plan` is "outline plan". */
export const stageInWords = (stage: string): string => stage.replace(/_/g, ' ');

export const inPounds = (pence: number): string => POUNDS.format(pence / 100);

/** An instant as the date it is in London, in words, e.g. "1 April 2027". */
export const dateInWords = (iso: string): string => DATE_IN_WORDS.format(new Date(iso));

/** A calendar date (e.g. 2027-04-01) as the instant it starts, for dates people enter. */
export const startOfDate = (date: string): string => `${date.slice(0, 10)}T00:00:00.000Z`;

/** A calendar date in words, e.g. 2027-04-01 → "1 April 2027". */
export const calendarDateInWords = (date: string): string => dateInWords(startOfDate(date));
