import type { Role } from './roles';

/**
 * How working days are counted. Real processes use the England and Wales calendar (weekends and bank
 * holidays off); tests compress a working day to a few milliseconds with no days off.
 */
export type WorkingCalendar = { kind: 'england-and-wales' } | { kind: 'compressed'; workingDayMs: number };

/**
 * What every process's policy holds, whatever its kind (PROCESSES.md: every period marked *default* is
 * a council setting). Each process kind adds a section of its own under its kind, e.g. `lma`; the
 * sections are listed by the process definitions. A process keeps the policy it started with.
 */
export interface CommonPolicy {
  calendar: WorkingCalendar;
  /** A reminder goes this many working days before a task is due (none if the task is shorter). */
  reminderWorkingDaysBefore: number;
  /** Who a late task escalates to: the manager role of each acting role. */
  escalation: Partial<Record<Role, Role>>;
}

/** A process's policy: the common part and the sections of the process kinds. */
export type ProcessPolicy = CommonPolicy & { [kind: string]: unknown };

/** A number of calendar days as milliseconds, in the policy's calendar (compressed in tests). */
export function calendarDaysMs(calendar: WorkingCalendar, days: number): number {
  return days * (calendar.kind === 'compressed' ? calendar.workingDayMs : 86_400_000);
}

export const DEFAULT_COMMON_POLICY: CommonPolicy = {
  calendar: { kind: 'england-and-wales' },
  reminderWorkingDaysBefore: 2,
  escalation: {
    housing_manager: 'programme_manager',
    legal_services: 'programme_manager',
    finance: 'programme_manager',
    cabinet: 'programme_manager',
    service_lead: 'programme_manager',
    liaison: 'programme_manager',
    scrutineer: 'programme_manager',
    resident_rep: 'housing_manager',
    almo_board: 'programme_manager',
    partner: 'programme_manager',
  },
};

/**
 * An instant `months` calendar months after `iso`, in the policy's calendar: the same day of the month
 * (or the month's last day, for 31 January + 1), and in a compressed calendar 30 days a month.
 */
export function monthsLater(calendar: WorkingCalendar, iso: string, months: number): string {
  if (calendar.kind === 'compressed') return new Date(Date.parse(iso) + calendarDaysMs(calendar, months * 30)).toISOString();
  const from = new Date(iso);
  const target = new Date(from);
  target.setUTCDate(1);
  target.setUTCMonth(target.getUTCMonth() + months);
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(from.getUTCDate(), lastDay));
  return target.toISOString();
}

/**
 * A calendar date people entered (YYYY-MM-DD) `months` later, e.g. 2027-04-01 + 12 → 2028-04-01: always
 * in the real calendar, whatever calendar the process's periods run on (an inspection a year after a
 * launch is a date on the calendar, compressed tests or not).
 */
export const dateMonthsLater = (date: string, months: number): string =>
  monthsLater({ kind: 'england-and-wales' }, `${date.slice(0, 10)}T00:00:00.000Z`, months).slice(0, 10);
