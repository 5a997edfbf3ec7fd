import type { Role } from './roles';

/**
 * How working days are counted. Real processes use the England and Wales calendar (weekends and bank
 * holidays off); tests compress a working day to a few milliseconds with no days off.
 */
export type WorkingCalendar = { kind: 'england-and-wales' } | { kind: 'compressed'; workingDayMs: number };

/**
 * The periods and escalation paths a council sets (PROCESSES.md: every period marked *default* is a
 * council setting). A process keeps the policy it started with. Validated by lib/policy.ts.
 */
export interface ProcessPolicy {
  calendar: WorkingCalendar;
  /** A reminder goes this many working days before a task is due (none if the task is shorter). */
  reminderWorkingDaysBefore: number;
  /** Who a late task escalates to: the manager role of each acting role. */
  escalation: Partial<Record<Role, Role>>;
  lma: {
    /** PROCESSES.md §1.2: adviser appointed within 10 working days by default. */
    adviserAppointmentWorkingDays: number;
    /** Time the residents' group has for each of its steps (plans, reports of support, signing). */
    groupStepWorkingDays: number;
    /** Time a council officer has to reply to, approve or record a step. */
    councilStepWorkingDays: number;
    /** §1.7: formal consultation of affected residents, 28 calendar days. */
    consultationDays: number;
    /** §1.7: goes on only if for / (for + against) is above this (default: more for than against). */
    supportThreshold: number;
    /** §1.9: duration of a Community Cashback Agreement term, 1 year. */
    termDays: number;
    /** §1.9-10: scheduled payments in a term. */
    paymentsPerTerm: number;
    /** §1.10: monitoring periods in a term (quarterly); the annual review covers the last. */
    reportingPeriodsPerTerm: number;
    /** §1.11: the annual review opens this many days before the term ends. */
    annualReviewDaysBeforeEnd: number;
  };
}

/** A number of calendar days as milliseconds, in the policy's calendar (compressed in tests). */
export function calendarDaysMs(calendar: WorkingCalendar, days: number): number {
  return days * (calendar.kind === 'compressed' ? calendar.workingDayMs : 86_400_000);
}

export const DEFAULT_POLICY: ProcessPolicy = {
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
  },
  lma: {
    adviserAppointmentWorkingDays: 10,
    groupStepWorkingDays: 20,
    councilStepWorkingDays: 10,
    consultationDays: 28,
    supportThreshold: 0.5,
    termDays: 365,
    paymentsPerTerm: 4,
    reportingPeriodsPerTerm: 4,
    annualReviewDaysBeforeEnd: 60,
  },
};
