import { defineSignal } from '@temporalio/workflow';
import type { CommonPolicy } from '../common/policy';
import { slugOf } from '../common/process';
import type { Actor } from '../common/roles';
import type { SlaPolicy } from '../sla/policy';
import type { AlmoPolicy } from './policy';

// What the ALMO establishment workflow and the API side of its definition both need: safe in workflows.

export const ALMO_KIND = 'almo';

// PROCESSES.md §2.1: the stock options a council appraises.
export const STOCK_OPTIONS = ['almo', 'stock_transfer', 'pfi', 'retain'] as const;
export type StockOption = (typeof STOCK_OPTIONS)[number];
export const STOCK_OPTION_NAMES: Record<StockOption, string> = {
  almo: 'an ALMO',
  stock_transfer: 'stock transfer (LSVT)',
  pfi: 'PFI',
  retain: 'retention',
};
// §2.2: how tenants' opinion is tested; a later options review reads it (rule R1).
export const TEST_OF_OPINION_METHODS = ['ballot', 'survey', 'other'] as const;
export type TestOfOpinionMethod = (typeof TEST_OF_OPINION_METHODS)[number];
export const SUPPORT_RULES = ['majority_of_votes_cast', 'majority_of_eligible'] as const;
export type SupportRule = (typeof SUPPORT_RULES)[number];
export const BOARD_PLACES = ['tenant', 'leaseholder', 'council', 'independent'] as const;
export type BoardPlace = (typeof BOARD_PLACES)[number];
export const OTHER_EVENT_KINDS = ['internal_audit', 'department_audit', 'council_inspection', 'other'] as const;
export type OtherEventKind = (typeof OTHER_EVENT_KINDS)[number];
export const INSPECTION_PROSPECTS = ['excellent', 'promising', 'uncertain', 'poor'] as const;
/** §2.4e: what operational readiness covers, each its own task. */
export const READINESS_ITEMS = { staff_transfer: 'staff transfer', it: 'IT', offices: 'offices', branding: 'branding' } as const;
export type ReadinessItem = keyof typeof READINESS_ITEMS;

export const ALMO_STAGES = {
  optionsAppraisal: 'options_appraisal',
  testOfOpinion: 'test_of_opinion',
  decentHomesBid: 'decent_homes_bid',
  setUp: 'set_up',
  launched: 'launched',
  inspection: 'inspection',
  improvement: 'improvement',
  operating: 'operating',
  otherOptionChosen: 'other_option_chosen',
  notSupported: 'not_supported',
  section27Refused: 'section_27_refused',
  agreementReviewed: 'agreement_reviewed',
  agreementEnded: 'agreement_ended',
  cancelled: 'cancelled',
} as const;

export const ALMO_TASK_KINDS = [
  'decide_stock_option',
  'appoint_tenants_adviser',
  'choose_test_of_opinion_method',
  'record_test_of_opinion_result',
  'record_decent_homes_bid',
  'agree_hra_arrangements',
  'list_central_services',
  'approve_management_agreement',
  'constitute_shadow_board',
  'complete_board_training',
  'confirm_operational_readiness',
  'submit_section_27_application',
  'record_section_27_decision',
  'decide_after_section_27_refusal',
  'launch_almo',
  'schedule_inspection',
  'review_inspection_clash',
  'record_inspection_result',
  'decide_after_inspection',
  'review_management_agreement',
] as const;
export type AlmoTaskKind = (typeof ALMO_TASK_KINDS)[number];

/** §2.4: the five set-up workstreams, in the order the view lists them. */
export const WORKSTREAMS = {
  hra: { name: 'HRA arrangements', owner: 'finance and almo_board' },
  slas: { name: 'SLAs for the central services', owner: 'programme_manager, then each service_lead with the almo_board' },
  managementAgreement: { name: 'Management Agreement', owner: 'legal_services' },
  shadowBoard: { name: 'Shadow board', owner: 'programme_manager, then almo_board (training)' },
  operationalReadiness: { name: 'Operational readiness', owner: 'housing_manager' },
} as const;
export type Workstream = keyof typeof WORKSTREAMS;

export interface AlmoStartInput {
  council: string;
  councilName?: string;
  almo: string;
  stock: { dwellings: number; leaseholders: number };
  startedBy: Actor;
  policy: CommonPolicy & { almo: AlmoPolicy; sla: SlaPolicy };
}

export interface OtherEvent {
  kind: OtherEventKind;
  name: string;
  /** A calendar date, e.g. 2027-09-14. */
  date: string;
}

export interface Inspection {
  round: number;
  date: string;
  expected: { from: string; to: string };
  outsideExpectedWindow: boolean;
  otherEvents: OtherEvent[];
  /** §2.7, "inspection fatigue" [9.1]: other events within the policy's days of the inspection. */
  clashes: (OtherEvent & { daysApart: number })[];
  result?: { stars: number; prospects: string; reportReference: string; recordedBy: Actor; recordedAt: string };
}

export interface AlmoDetails {
  almo: string;
  stock: { dwellings: number; leaseholders: number };
  appraisal?: { option: StockOption; reasons: string; minuteReference: string; decidedBy: Actor; decidedAt: string };
  /** §2.2: recorded for ever; an options review reads the method (rule R1). */
  testOfOpinion?: {
    method?: TestOfOpinionMethod;
    description?: string;
    adviser?: { name: string; organisation: string };
    result?: {
      eligible: number;
      votesCast: number;
      for: number;
      against: number;
      turnoutPercent: number;
      rule: SupportRule;
      supported: boolean;
      recordedBy: Actor;
      recordedAt: string;
    };
  };
  decentHomes?: {
    round: number;
    dwellings: number;
    borrowingApprovalPence: number;
    hraAllowancePence: number;
    buildingCostsModel?: string;
    /** §2.3: what the funding waits on, until met. */
    conditions: { section27Consent: 'outstanding' | 'met'; twoStarInspection: 'outstanding' | 'met' | 'withdrawn' };
    released?: { at: string; totalPence: number };
  };
  workstreams: Record<Workstream, { name: string; owner: string; done: boolean; doneAt?: string; detail?: string }>;
  hra?: { finance?: string; almoBoard?: string };
  slas?: {
    effectiveFrom: string;
    expiresOn: string;
    services: { name: string; outcome: string; annualChargePence?: number }[];
    documentIds: string[];
  };
  managementAgreement?: {
    reference: string;
    termYears: number;
    approvedBy: Actor;
    start?: string;
    end?: string;
    reviewOpensAt?: string;
    endedBy?: ManagementAgreementEnded;
  };
  shadowBoard?: { members: { name: string; place: BoardPlace }[]; training?: string };
  readiness?: Partial<Record<ReadinessItem, string>>;
  section27?: { applications: number; documentId?: string; decision?: 'granted' | 'refused'; decidedAt?: string; reasons?: string };
  launch?: { goLiveDate: string; launchedBy: Actor; launchedAt?: string; documentId?: string };
  inspections: Inspection[];
  improvementPlans: { afterRound: number; plan: string; decidedBy: Actor }[];
  endedBecause?: string;
}

/** The task whose decision is how tenants' opinion was tested. */
export const TEST_OF_OPINION_METHOD_TASK = 'test-of-opinion-method';

/**
 * What the ALMO establishment offers other processes to read (its definition's `exports`): an options
 * review reads how tenants were asked before the transfer (rule R1) as `originalTestOfOpinion`.
 */
export const ALMO_EXPORTS = { originalTestOfOpinion: 'originalTestOfOpinion' } as const;

/** §3.8: an options review that brings the service in-house ends the Management Agreement. */
export interface ManagementAgreementEnded {
  reviewProcessId: string;
  endsOn: string;
  by: Actor;
  reasons: string;
}
export const managementAgreementEndedSignal = defineSignal<[ManagementAgreementEnded]>('managementAgreementEnded');

/** PROCESSES.md "Common to all": one establishment per council and ALMO. */
export const almoBusinessKey = (input: { council: string; almo: string }): string => `${ALMO_KIND}:${input.council}:${slugOf(input.almo)}`;
