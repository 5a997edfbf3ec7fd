import { defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ProcessRef } from '../common/engine-types';
import type { CommonPolicy } from '../common/policy';
import { slugOf } from '../common/process';
import type { Actor, Role } from '../common/roles';
import { taskKindsOf, type FormDeclaration } from '../common/tasks';
import type { SlaPolicy } from './policy';

// What the SLA workflows and the API side of their definition both need: safe to load inside workflows.

export const SLA_KIND = 'sla';

// PROCESSES.md §4: the council central services an ALMO buys under SLAs.
export const CENTRAL_SERVICES = ['legal', 'it', 'hr', 'finance', 'payroll', 'call_centre', 'other'] as const;
export type CentralService = (typeof CENTRAL_SERVICES)[number];
export const CENTRAL_SERVICE_NAMES: Record<CentralService, string> = {
  legal: 'Legal services',
  it: 'IT',
  hr: 'Human resources',
  finance: 'Finance',
  payroll: 'Payroll',
  call_centre: 'Call centre',
  other: 'Other',
};

/** A first agreement (an ALMO being set up) or the renegotiation of SLAs in force. */
export const SLA_PURPOSES = ['first_agreement', 'renegotiation'] as const;
export type SlaPurpose = (typeof SLA_PURPOSES)[number];
/** When negotiation opens: at once (a party asks), or the policy's months before the SLAs in force expire. */
export const SLA_OPENING = ['now', 'ahead_of_expiry'] as const;
export type SlaOpening = (typeof SLA_OPENING)[number];
/** §4.4: who decides a deadlock, per the council's policy; their decision binds. */
export const DEADLOCK_FORUMS = ['chief_executives', 'joint_board_cabinet'] as const;
export type DeadlockForum = (typeof DEADLOCK_FORUMS)[number];
export const DEADLOCK_FORUM_NAMES: Record<DeadlockForum, string> = {
  chief_executives: 'the chief executives',
  joint_board_cabinet: 'a joint board–cabinet meeting',
};
/** Who records the forum's decision: democratic services for a joint meeting, the programme office for the chief executives. */
export const DEADLOCK_RECORDED_BY: Record<DeadlockForum, Role> = { chief_executives: 'programme_manager', joint_board_cabinet: 'cabinet' };

export const SLA_STAGES = {
  awaitingNegotiation: 'awaiting_negotiation',
  benchmarking: 'benchmarking',
  negotiating: 'negotiating',
  signOff: 'sign_off',
  inForce: 'in_force',
  noServices: 'no_services',
  withdrawn: 'withdrawn',
  cancelled: 'cancelled',
} as const;

/** What each task kind asks for in its form (see FormDeclaration): the definition's schemas are checked against it. */
export interface SlaForms {
  /** `benchmark` states the quartile, comparator and quality measures; `market_test` the quotes. */
  benchmark_service: {
    quartile?: number;
    comparatorUnitCostPence?: number;
    qualityMeasures?: QualityMeasure[];
    quotes?: MarketQuote[];
  };
  /** `propose` states the terms; `retract` may say who the ALMO will buy from. */
  propose_sla_terms: { terms?: SlaTerms; buyingFrom?: string };
  /** `counter` states the terms. */
  respond_to_sla_proposal: { terms?: SlaTerms };
  decide_sla_deadlock: { forumMembers: string; minuteReference?: string; terms?: SlaTerms; buyingFrom?: string };
  /** `request_changes` names the service to negotiate again. */
  sign_off_slas: { signatory: string; post: string; service?: string };
}

export const SLA_FORMS: FormDeclaration<SlaForms> = {
  benchmark_service: {},
  propose_sla_terms: {},
  respond_to_sla_proposal: {},
  decide_sla_deadlock: { forumMembers: true },
  sign_off_slas: { signatory: true, post: true },
};
export const SLA_TASK_KINDS = taskKindsOf(SLA_FORMS);
export type SlaTaskKind = keyof SlaForms;

/** A key performance indicator of a service and its target, e.g. "advice given within 5 working days", "95%". */
export interface Kpi {
  measure: string;
  target: string;
}

/** What the ALMO pays for a service and what it gets: money in pence. */
export interface SlaTerms {
  annualChargePence: number;
  unitCostPence: number;
  /** What a unit is, e.g. "hour of legal advice", "payslip". */
  unit: string;
  kpis: Kpi[];
}

/** One central service of the SLA set, and the council's head of it who negotiates it. */
export interface SlaService {
  /** Unique in the set: the service, or for `other` the service and its name, e.g. `other-grounds-maintenance`. */
  key: string;
  service: CentralService;
  name: string;
  /** The council's `service_lead` for it: their user id and name. */
  serviceLead: { userId: string; name: string };
  /** The terms in force (for a first agreement, the council's offer). */
  terms: SlaTerms;
}

export interface QualityMeasure {
  measure: string;
  value: string;
  benchmark: string;
}
export interface MarketQuote {
  supplier: string;
  annualChargePence: number;
  unitCostPence: number;
}

/** §4.2: a service benchmarked against a quartile, or market tested with quotes. */
export type ServiceBenchmark =
  | {
      method: 'benchmark';
      quartile: number;
      comparatorUnitCostPence: number;
      qualityMeasures: QualityMeasure[];
      recordedBy: Actor;
      recordedAt: string;
    }
  | { method: 'market_test'; quotes: MarketQuote[]; qualityMeasures: QualityMeasure[]; recordedBy: Actor; recordedAt: string };

/** The value-for-money gap of a service: what it costs over its comparator, a year and as a share. */
export interface ValueForMoneyGap {
  comparatorUnitCostPence: number;
  unitCostGapPence: number;
  annualGapPence: number;
  /** Of the current unit cost, to one decimal place; negative when the council is cheaper. */
  percent: number;
}

/** How a deadlock was decided (§4.4): by whom, binding, with reasons. */
export interface DeadlockDecision {
  declaredBy: 'almo' | 'council' | 'rounds_ran_out';
  declaredReasons: string;
  forum: DeadlockForum;
  forumMembers: string;
  minuteReference?: string;
  reasons: string;
  recordedBy: Actor;
  decidedAt: string;
}

/** §4.4: a service's outcome. A retraction's notice ends on `noticeEndsAt`. */
export interface ServiceOutcome {
  kind: 'renewed' | 'revised' | 'retracted';
  /** The terms from the new SLA's effective date (renewed: as they were; none for a retraction). */
  terms?: SlaTerms;
  retraction?: { reasons: string; noticeMonths: number; noticeEndsAt: string; buyingFrom?: string };
  rounds: number;
  deadlock?: DeadlockDecision;
  decidedBy: Actor;
  decidedAt: string;
}

/** Where one negotiation stands, as it tells its parent after each turn. */
export interface NegotiationProgress {
  serviceKey: string;
  round: number;
  /** Who the negotiation waits on. */
  awaiting: 'almo' | 'council' | 'deadlock_decision';
  lastProposal?: { by: 'almo' | 'council'; terms: SlaTerms };
  /** Its outcome, told the set before the decision that settled it answers (the result follows). */
  outcome?: ServiceOutcome;
}
export const negotiationProgressSignal = defineSignal<[NegotiationProgress]>('slaNegotiationProgress');
/** A set run as a child tells its parent the signed-off SLAs before the sign-off that settled them answers. */
export const slasSignedOffSignal = defineSignal<[SignedOffSlas]>('slasSignedOff');

export interface SlaServiceState extends SlaService {
  benchmark?: ServiceBenchmark;
  gap?: ValueForMoneyGap;
  negotiation?: Omit<NegotiationProgress, 'serviceKey' | 'outcome'>;
  outcome?: ServiceOutcome;
}

export interface Signature {
  signatory: string;
  post: string;
  actor: Actor;
  signedAt: string;
}

/** §4.6: the change in income to each council central service ("hollowing out", source 8.3). */
export interface ImpactReport {
  services: {
    key: string;
    name: string;
    outcome: ServiceOutcome['kind'];
    beforePence: number;
    afterPence: number;
    changePence: number;
    from: string;
  }[];
  totalBeforePence: number;
  totalAfterPence: number;
  totalChangePence: number;
  /** Of the income before, to one decimal place. */
  totalChangePercent: number;
  boughtElsewhere: { key: string; name: string; noticeEndsAt: string; buyingFrom?: string }[];
}

/** One negotiated, signed-off cycle of the SLA set, as later cycles remember it. */
export interface SlaCycleSummary {
  cycle: number;
  signedOffAt: string;
  effectiveFrom: string;
  expiresOn: string;
  outcomes: { key: string; kind: ServiceOutcome['kind'] }[];
  totalChangePence: number;
}

/** What the next cycle's run carries over (continue-as-new). */
export interface SlaCycleCarry {
  cycle: number;
  startedAt: string;
  services: SlaService[];
  expiresOn: string;
  previousCycles: SlaCycleSummary[];
  requestedBy?: { actor: Actor; reasons: string };
}

export interface SlaStartInput {
  council: string;
  councilName?: string;
  almo: string;
  purpose: SlaPurpose;
  opens: SlaOpening;
  /** When the SLAs in force expire (a renegotiation): an ISO date. */
  currentExpiry?: string;
  services: SlaService[];
  startedBy: Actor;
  policy: CommonPolicy & { sla: SlaPolicy };
  carry?: SlaCycleCarry;
  /**
   * Set when another process runs the set as its child (an ALMO's first SLAs): its tasks, timeline and
   * documents are that process's, and the run ends at sign-off, answering the signed-off SLAs.
   */
  parent?: ProcessRef;
}

/** What a set run as a child answers once signed off. */
export interface SignedOffSlas {
  effectiveFrom: string;
  expiresOn: string;
  services: { key: string; name: string; outcome: ServiceOutcome['kind']; annualChargePence?: number }[];
  documentIds: string[];
  totalAfterPence: number;
}

export interface SlaDetails {
  almo: string;
  purpose: SlaPurpose;
  cycle: number;
  currentExpiry?: string;
  services: SlaServiceState[];
  /** The brief that sets out each service's value-for-money gap, once every service is benchmarked. */
  negotiationBriefId?: string;
  signOff: { almo?: Signature; council?: Signature };
  /** Changes a signatory asked for instead of signing: the service negotiated again, and why (each voids the signatures given). */
  changesRequested?: { side: 'almo' | 'council'; serviceKey: string; reasons: string; by: Actor; at: string }[];
  agreement?: { signedOffAt: string; effectiveFrom: string; expiresOn: string; documentIds: string[] };
  impact?: ImpactReport;
  impactReportId?: string;
  nextRenegotiationOpensAt?: string;
  renegotiationRequested?: { by: Actor; reasons: string; at: string };
  previousCycles: SlaCycleSummary[];
  endedBecause?: string;
}

/** §4.1 "or a party asks": the council or the ALMO asks to renegotiate now instead of at the usual time. */
export interface RenegotiationRequestInput {
  actor: Actor;
  reasons: string;
}
export const requestRenegotiationUpdate = defineUpdate<{ stage: string; cycle: number }, [RenegotiationRequestInput]>(
  'requestRenegotiation',
);

/** The input of one service's negotiation, a child workflow of the SLA set's process. */
export interface ServiceNegotiationInput {
  parent: ProcessRef;
  policy: CommonPolicy & { sla: SlaPolicy };
  cycle: number;
  almo: string;
  service: SlaService;
  gap?: ValueForMoneyGap;
  /** Its task ids' prefix within the process (absent: `c<cycle>-<service>-`). */
  keyPrefix?: string;
}

/** The service's key in the set: `other` services by their name. */
export const serviceKeyOf = (service: CentralService, name?: string): string =>
  service === 'other' ? `other-${slugOf(name ?? '')}` : service;

/** A central service as a start body or a form lists it: `other` services are named. */
export interface ListedService {
  service: CentralService;
  name?: string | undefined;
  serviceLead: SlaService['serviceLead'];
  terms: SlaTerms;
}

/** A listed service as the set holds it, with its key in the set and its name. */
export const slaServiceOf = (s: ListedService): SlaService => ({
  key: serviceKeyOf(s.service, s.name),
  service: s.service,
  name: s.name ?? CENTRAL_SERVICE_NAMES[s.service],
  serviceLead: s.serviceLead,
  terms: s.terms,
});

/** PROCESSES.md "Common to all": one SLA set per council and ALMO. */
export const slaBusinessKey = (input: { council: string; almo: string }): string => `${SLA_KIND}:${input.council}:${slugOf(input.almo)}`;
