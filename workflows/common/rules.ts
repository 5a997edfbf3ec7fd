// How a process's rules stand, for the evidence pack and `GET /processes/:id/rules`. Safe in workflows.

export interface RuleOutcome {
  rule: string;
  source: string;
  outcome: 'met' | 'not met' | 'not reached';
  detail: string;
  /** Where the workflow holds it, the one place it is checked: a function and its file. */
  checkedBy: string;
  /** The next step this rule stops while it does not hold, e.g. "opening the consultation". */
  blocks?: string;
}
