// How a process's rules stand, for the evidence pack and `GET /processes/:id/rules`. Safe in workflows.

export interface RuleOutcome {
  rule: string;
  source: string;
  outcome: 'met' | 'not met' | 'not reached';
  detail: string;
}
