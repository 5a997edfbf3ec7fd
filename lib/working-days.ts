import Holidays from 'date-holidays';
import { calendarDateOf } from '../workflows/common/format';
import type { WorkingCalendar } from '../workflows/common/policy';

// England and Wales bank holidays from date-holidays, a maintained rules source (substitute days included).
const englandAndWales = new Holidays('GB', 'ENG');
const LONDON = 'Europe/London';

// Formatters are costly to build and safe to share.
const londonOffsetFormat = new Intl.DateTimeFormat('en-GB', { timeZone: LONDON, timeZoneName: 'shortOffset' });

/** The calendar date (YYYY-MM-DD) in London at an instant. */
export function londonDate(at: Date): string {
  return calendarDateOf(at.toISOString());
}

/** Minutes London is ahead of UTC at an instant (0 or 60). */
function londonOffsetMinutes(at: Date): number {
  const name = londonOffsetFormat.formatToParts(at).find((part) => part.type === 'timeZoneName')?.value;
  const match = /GMT([+-]\d+)?/.exec(name ?? '');
  return match?.[1] ? Number(match[1]) * 60 : 0;
}

const addDays = (date: string, days: number): string => {
  const next = new Date(`${date}T12:00:00Z`);
  next.setUTCDate(next.getUTCDate() + days);
  return next.toISOString().slice(0, 10);
};

// A year's bank holidays, worked out once: asking the rules about each day is slow (it parses dates).
const bankHolidaysByYear = new Map<number, Set<string>>();
function bankHolidays(year: number): Set<string> {
  let dates = bankHolidaysByYear.get(year);
  if (!dates) {
    dates = new Set(
      englandAndWales
        .getHolidays(year)
        .filter((holiday) => holiday.type === 'public')
        .map((holiday) => holiday.date.slice(0, 10)),
    );
    bankHolidaysByYear.set(year, dates);
  }
  return dates;
}

export function isWorkingDay(date: string): boolean {
  const weekday = new Date(`${date}T12:00:00Z`).getUTCDay();
  if (weekday === 0 || weekday === 6) return false;
  return !bankHolidays(Number(date.slice(0, 4))).has(date);
}

/** The London date `workingDays` working days after the date of `from`. */
export function addWorkingDays(from: Date, workingDays: number): string {
  let date = londonDate(from);
  for (let counted = 0; counted < workingDays;) {
    date = addDays(date, 1);
    if (isWorkingDay(date)) counted += 1;
  }
  return date;
}

/** The last millisecond of a London calendar date, as an instant. */
export function endOfLondonDay(date: string): Date {
  const utcGuess = new Date(`${date}T23:59:59.999Z`);
  return new Date(utcGuess.getTime() - londonOffsetMinutes(utcGuess) * 60_000);
}

export interface Deadline {
  dueAt: string;
  reminderAt?: string;
}

/**
 * When a task opened at `openedAt` is due (the end of the Nth working day after) and when its reminder
 * goes (the end of the working day `reminderBefore` working days earlier; none for shorter tasks).
 */
export function deadlineFor(openedAt: string, workingDays: number, reminderBefore: number, calendar: WorkingCalendar): Deadline {
  const opened = new Date(openedAt);
  const reminderDays = workingDays - reminderBefore;
  if (calendar.kind === 'compressed') {
    const at = (days: number) => new Date(opened.getTime() + days * calendar.workingDayMs).toISOString();
    return { dueAt: at(workingDays), ...(reminderDays > 0 ? { reminderAt: at(reminderDays) } : {}) };
  }
  const at = (days: number) => endOfLondonDay(addWorkingDays(opened, days)).toISOString();
  return { dueAt: at(workingDays), ...(reminderDays > 0 ? { reminderAt: at(reminderDays) } : {}) };
}
