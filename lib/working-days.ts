import Holidays from 'date-holidays';
import type { WorkingCalendar } from '../workflows/common/policy';

// England and Wales bank holidays from date-holidays, a maintained rules source (substitute days included).
const englandAndWales = new Holidays('GB', 'ENG');
const LONDON = 'Europe/London';

/** The calendar date (YYYY-MM-DD) in London at an instant. */
function londonDate(at: Date): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: LONDON, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

/** Minutes London is ahead of UTC at an instant (0 or 60). */
function londonOffsetMinutes(at: Date): number {
  const name = new Intl.DateTimeFormat('en-GB', { timeZone: LONDON, timeZoneName: 'shortOffset' })
    .formatToParts(at)
    .find((part) => part.type === 'timeZoneName')?.value;
  const match = /GMT([+-]\d+)?/.exec(name ?? '');
  return match?.[1] ? Number(match[1]) * 60 : 0;
}

const addDays = (date: string, days: number): string => {
  const next = new Date(`${date}T12:00:00Z`);
  next.setUTCDate(next.getUTCDate() + days);
  return next.toISOString().slice(0, 10);
};

export function isWorkingDay(date: string): boolean {
  const weekday = new Date(`${date}T12:00:00Z`).getUTCDay();
  if (weekday === 0 || weekday === 6) return false;
  const holidays = englandAndWales.isHoliday(new Date(`${date}T12:00:00Z`)) || [];
  return !holidays.some((holiday) => holiday.type === 'public');
}

/** The London date `workingDays` working days after the date of `from`. */
export function addWorkingDays(from: Date, workingDays: number): string {
  let date = londonDate(from);
  for (let counted = 0; counted < workingDays; ) {
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
