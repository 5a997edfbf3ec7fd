// The one place workflow code reads the clock. Inside the workflow sandbox the SDK replaces Date with a
// deterministic clock (the time of the current workflow task), so this is replay-safe.
export function workflowNow(): string {
  return new Date(Date.now()).toISOString();
}

/** Milliseconds from now until `iso`; at least 1, so a time already passed fires at once (a 0 would mean "no timeout" to older code). */
export function millisUntil(iso: string): number {
  return Math.max(1, Date.parse(iso) - Date.parse(workflowNow()));
}
