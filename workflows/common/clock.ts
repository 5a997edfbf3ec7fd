// The one place workflow code reads the clock. Inside the workflow sandbox the SDK replaces Date with a
// deterministic clock (the time of the current workflow task), so this is replay-safe.
export function workflowNow(): string {
  return new Date(Date.now()).toISOString();
}
