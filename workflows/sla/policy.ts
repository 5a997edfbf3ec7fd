import type { DeadlockForum } from './messages';

// The SLA process's section of a council's policy (PROCESSES.md §4), defaults here. Safe to load
// inside workflows; sla/definition.ts holds its zod schema.

export interface SlaPolicy {
  /** §4.1: negotiation opens this many months before the SLAs in force expire. */
  renegotiationMonthsBeforeExpiry: number;
  /** Time the ALMO has to benchmark or market test each service. */
  benchmarkWorkingDays: number;
  /** §4.3: each proposal and response is due within this many working days. */
  responseWorkingDays: number;
  /** §4.3: rounds of proposal and counter-proposal before a negotiation is deadlocked. */
  maxRounds: number;
  /** §4.4: the notice the ALMO gives when it retracts a service (buys it elsewhere). */
  retractionNoticeMonths: number;
  /** §4.4: who decides a deadlock. */
  deadlockForum: DeadlockForum;
  /** Time the deadlock forum's decision is due in. */
  deadlockDecisionWorkingDays: number;
  /** How long new SLAs run from their effective date; not set by the source, so a council's choice. */
  termMonths: number;
}

export const SLA_POLICY_DEFAULTS: SlaPolicy = {
  renegotiationMonthsBeforeExpiry: 6,
  benchmarkWorkingDays: 20,
  responseWorkingDays: 15,
  maxRounds: 3,
  retractionNoticeMonths: 6,
  deadlockForum: 'chief_executives',
  deadlockDecisionWorkingDays: 20,
  termMonths: 36,
};
