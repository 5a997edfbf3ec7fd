import { sleep } from '@temporalio/workflow';

// The one place workflow code reads the clock. Inside the workflow sandbox the SDK replaces Date with a
// deterministic clock (the time of the current workflow task), so this is replay-safe.
export function workflowNow(): string {
  return new Date(Date.now()).toISOString();
}

/**
 * Milliseconds from now until `iso`; at least `floor` (1: a time already passed fires at once; the
 * frame's older versions pass 0, as their recorded waits did).
 */
export function millisUntil(iso: string, floor = 1): number {
  return Math.max(floor, Date.parse(iso) - Date.parse(workflowNow()));
}

/** Waits until `iso` (at once if it has passed). */
export const sleepUntil = (iso: string): Promise<void> => sleep(millisUntil(iso));
