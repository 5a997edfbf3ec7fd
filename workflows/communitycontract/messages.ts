import type { CommonPolicy } from '../common/policy';
import { organisationKeyOf, slugOf } from '../common/process';
import type { Actor } from '../common/roles';
import { taskKindsOf, type FormDeclaration } from '../common/tasks';
import type { CommunityContractPolicy } from './policy';

// What the community contract's workflow and the API side of its definition both need: safe to load
// inside workflows (PROCESSES.md §5, source 001).

export const COMMUNITY_CONTRACT_KIND = 'communitycontract';

/** The services that serve a neighbourhood, as the source names them: the council, the police, the landlord, others. */
export const PARTNER_KINDS = ['council_service', 'police', 'landlord', 'other'] as const;
export type PartnerKind = (typeof PARTNER_KINDS)[number];

/** The priorities the source names (anti-social behaviour, litter, graffiti, street lighting, vandalism), and others by name. */
export const PRIORITY_TOPICS = ['anti_social_behaviour', 'litter', 'graffiti', 'street_lighting', 'vandalism', 'other'] as const;
export type PriorityTopic = (typeof PRIORITY_TOPICS)[number];
export const PRIORITY_NAMES: Record<PriorityTopic, string> = {
  anti_social_behaviour: 'Anti-social behaviour',
  litter: 'Litter',
  graffiti: 'Graffiti',
  street_lighting: 'Street lighting',
  vandalism: 'Vandalism',
  other: 'Other',
};

/** How residents were asked what matters to them. */
export const ENGAGEMENT_METHODS = ['meeting', 'survey', 'walkabout', 'other'] as const;
/** What residents commit to under a standard (the pilots: reporting, litter picks, champions, young people). */
export const RESIDENT_COMMITMENTS = ['reporting', 'litter_picks', 'community_champions', 'young_people_included'] as const;
/** What a champions' report says of a standard in its period. */
export const REPORT_OUTCOMES = ['met', 'missed', 'not_checked'] as const;
export type ReportOutcome = (typeof REPORT_OUTCOMES)[number];

export const CONTRACT_STAGES = {
  gatheringPriorities: 'gathering_priorities',
  agreeingPriorities: 'agreeing_priorities',
  settingStandards: 'setting_standards',
  signing: 'signing',
  inForce: 'in_force',
  reviewing: 'reviewing',
  notAgreed: 'not_agreed',
  ended: 'ended',
  withdrawn: 'withdrawn',
  cancelled: 'cancelled',
} as const;

export interface Partner {
  /** What a partner's role grant names (`organisationKeyOf`). */
  key: string;
  organisation: string;
  kind: PartnerKind;
  /** The officer who acts for it, as the contract names them. */
  actsForIt: string;
}

export interface Priority {
  key: string;
  topic: PriorityTopic;
  /** As the contract names it: the topic's name, or an `other` one's own. */
  name: string;
  rank: number;
}

/** What residents were told would happen when a standard is missed, as agreed for it: a step of the ladder each. */
export interface RedressLadder {
  /** A commitment to put it right within this many working days. */
  putRightWithinWorkingDays: number;
  /** An explanation and apology. */
  apology: boolean;
  /** Up to compensation of this amount, if agreed. */
  compensationUpToPence?: number;
}

/** A standard of service for one priority by one partner, as the form states it. */
export interface StandardTerms {
  priority: string;
  /** The organisation responsible, by name (one of the contract's partners). */
  partner: string;
  whatIsDone: string;
  /** Measurably: within how many working days of a report, or how often. */
  withinWorkingDays?: number;
  howOften?: string;
  residentsCommit: (typeof RESIDENT_COMMITMENTS)[number][];
  whatResidentsDo: string;
  redress: RedressLadder;
}

export interface Standard extends Omit<StandardTerms, 'partner'> {
  /** `<priority>/<partner slug>`: one standard per priority and partner. */
  key: string;
  /** The partner's key. */
  partner: string;
}

export const standardKeyOf = (priority: string, organisation: string): string => `${priority}/${slugOf(organisation)}`;
export const priorityKeyOf = (topic: PriorityTopic, name?: string): string => (topic === 'other' ? `other-${slugOf(name ?? '')}` : topic);
export const partnerOf = (p: { organisation: string; kind: PartnerKind; actsForIt: string }): Partner => ({
  key: organisationKeyOf(p.organisation),
  organisation: p.organisation,
  kind: p.kind,
  actsForIt: p.actsForIt,
});

export interface Engagement {
  method: (typeof ENGAGEMENT_METHODS)[number];
  heldOn: string;
  tookPart: number;
  heard: string;
}
export interface ProposedPriority {
  topic: PriorityTopic;
  name?: string;
  why: string;
}
/** The measures residents care about, at the start and at each review. */
export interface Baseline {
  complaintsLastYear: number;
  satisfactionPercent: number;
}
export interface YearMeasures {
  complaintsThisYear: number;
  satisfactionPercent: number;
  /** Share of residents asked who knew the contract exists. */
  awarenessPercent: number;
  howResidentsWereTold: string;
}
export interface RedressGiven {
  putRightOn?: string;
  apology?: string;
  compensationPaidPence?: number;
}
export interface Signature {
  signatory: string;
  post: string;
}

/** What each task kind asks for in its form (see FormDeclaration): the definition's schemas are checked against it. */
export interface CommunityContractForms {
  report_residents_priorities: { engagement: Engagement[]; priorities: ProposedPriority[] };
  /** `agree` states the ranked priorities, who agreed them and the measures at the start. */
  agree_priorities: { agreedOn?: string; agreedWith?: string; priorities?: { topic: PriorityTopic; name?: string }[]; baseline?: Baseline };
  set_standards: { standards: StandardTerms[] };
  /** `sign` states who signed; `decline` gives reasons. */
  sign_contract: { signatory?: string; post?: string };
  decide_refused_signature: Record<string, never>;
  report_on_standards: {
    reports: { standard: string; outcome: ReportOutcome; whatHappened?: string; seenOn?: string }[];
  };
  acknowledge_redress_case: Record<string, never>;
  /** `redress` states what was given; `dispute` gives reasons. */
  answer_redress_case: RedressGiven;
  decide_redress_dispute: Record<string, never>;
  /** `satisfied`, or `not_satisfied` with reasons. */
  confirm_redress: Record<string, never>;
  /** The measures of the year, and the outcome: renew, revise or end. */
  review_contract: YearMeasures;
}

export const CONTRACT_FORMS: FormDeclaration<CommunityContractForms> = {
  report_residents_priorities: { engagement: true, priorities: true },
  agree_priorities: {},
  set_standards: { standards: true },
  sign_contract: {},
  decide_refused_signature: {},
  report_on_standards: { reports: true },
  acknowledge_redress_case: {},
  answer_redress_case: {},
  decide_redress_dispute: {},
  confirm_redress: {},
  review_contract: { complaintsThisYear: true, satisfactionPercent: true, awarenessPercent: true, howResidentsWereTold: true },
};
export const CONTRACT_TASK_KINDS = taskKindsOf(CONTRACT_FORMS);

/** A champion's report of a missed standard, as the redress case states it. */
export interface MissedReport {
  period: number;
  whatHappened: string;
  seenOn?: string;
}

/** How a redress case closed. */
export type CaseClosing = 'redress_accepted' | 'dispute_accepted' | 'referred_to_ombudsman';

/** A redress case: a standard reported missed, with the partner responsible, through the complaint stages. */
export interface RedressCase {
  number: number;
  standard: string;
  partner: string;
  report: MissedReport;
  openedAt: string;
  /** 1 or 2: the stage of the complaint handling code it is at. */
  stage: 1 | 2;
  acknowledgedAt?: string;
  /** What the partner gave, at each stage it gave something. */
  redressGiven: (RedressGiven & { stage: 1 | 2; by: Actor; at: string })[];
  dispute?: {
    reasons: string;
    by: Actor;
    at: string;
    decision?: { outcome: 'uphold_case' | 'accept_dispute'; reasons: string; by: Actor };
  };
  notSatisfied?: string;
  closedAt?: string;
  closing?: CaseClosing;
}

/** A standard's year in figures, and the contract's. */
export interface StandardFigures {
  standard: string;
  reports: number;
  met: number;
  missed: number;
  casesOpened: number;
  /** Closed by the contract's own procedure: redress accepted, or a dispute the council accepted. */
  casesResolved: number;
  /** Closed with residents still not satisfied after stage 2: theirs to take to the Housing Ombudsman. */
  casesReferred: number;
  /** Calendar days from opening to closing, the median of the cases resolved (none: none resolved). */
  medianDaysToResolve?: number;
  compensationPaidPence: number;
}
export interface YearFigures {
  year: number;
  standards: StandardFigures[];
  totals: Omit<StandardFigures, 'standard'>;
}

export interface PastYear {
  year: number;
  inForceFrom: string;
  reviewedAt: string;
  figures: YearFigures;
  measures: YearMeasures;
  outcome: 'renew' | 'revise' | 'end';
  reportId: string;
}

/** What a contract carries into its next year's run (continue-as-new). */
export interface ContractCarry {
  year: number;
  startedAt: string;
  inForceFrom: string;
  partners: Partner[];
  priorities: Priority[];
  standards: Standard[];
  baseline: Baseline;
  engagement: Engagement[];
  signatures: Record<string, Signature & { at: string }>;
  contractDocumentId: string;
  casesSoFar: number;
  pastYears: PastYear[];
}

export interface CommunityContractStartInput {
  council: string;
  councilName?: string;
  neighbourhood: string;
  area: string;
  group: string;
  partners: Partner[];
  startedBy: Actor;
  policy: CommonPolicy & { [COMMUNITY_CONTRACT_KIND]: CommunityContractPolicy };
  carry?: ContractCarry;
}

/** What the process view shows of a contract. */
export interface CommunityContractDetails {
  neighbourhood: string;
  area: string;
  group: string;
  partners: (Partner & { signed?: Signature & { at: string }; declined?: string; leftOut?: { reasons: string; by: Actor } })[];
  year: number;
  engagement?: Engagement[];
  proposed?: ProposedPriority[];
  priorities: Priority[];
  baseline?: Baseline;
  standards: Standard[];
  residentsSigned?: Signature & { at: string };
  contractDocumentId?: string;
  inForceFrom?: string;
  reviewDueAt?: string;
  /** Each period's champions' report, as received. */
  reports: { period: number; at: string; outcomes: Record<string, ReportOutcome> }[];
  cases: RedressCase[];
  pastYears: PastYear[];
  endedBecause?: string;
}

/** PROCESSES.md "Common to all": one contract per neighbourhood of a council. */
export const communityContractBusinessKey = (input: { council: string; neighbourhood: string }): string =>
  `${COMMUNITY_CONTRACT_KIND}:${input.council}:${slugOf(input.neighbourhood)}`;

export const CONTRACT_WITHDRAWN_BY = { role: 'resident_rep' as const, name: "the residents' group" };
