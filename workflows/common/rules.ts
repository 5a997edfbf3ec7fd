// How a process's rules stand, for the evidence pack and `GET /processes/:id/rules`. Safe in workflows.

export interface RuleOutcome {
  rule: string;
  source: string;
  outcome: 'met' | 'not met' | 'not reached';
  detail: string;
  /** The next step this rule stops while it does not hold, e.g. "opening the consultation". */
  blocks?: string;
}
