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
  };
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
  lma: { adviserAppointmentWorkingDays: 10 },
};
