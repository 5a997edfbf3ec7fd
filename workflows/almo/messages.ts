import { defineSignal } from '@temporalio/workflow';
import type { CommonPolicy } from '../common/policy';
import { slugOf } from '../common/process';
import type { Actor } from '../common/roles';
import { taskKindsOf, type FormDeclaration } from '../common/tasks';
import type { ListedService } from '../sla/messages';
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
export type InspectionProspect = (typeof INSPECTION_PROSPECTS)[number];
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

type Minute = { minuteReference: string };
type Summary = { summary: string };
type Tally = { eligible: number; votesCast: number; for: number; against: number };

/** What each task kind asks for in its form (see FormDeclaration): the definition's schemas are checked against it. */
export interface AlmoForms {
  decide_stock_option: Minute;
  appoint_tenants_adviser: { adviser: string; organisation: string };
  /** `other` describes the method. */
  choose_test_of_opinion_method: { description?: string };
  record_test_of_opinion_result: Tally;
  record_decent_homes_bid: {
    round: number;
    dwellings: number;
    borrowingApprovalPence: number;
    hraAllowancePence: number;
    buildingCostsModel?: string;
  };
  agree_hra_arrangements: Summary;
  list_central_services: { services: ListedService[] };
  approve_management_agreement: { reference: string; termYears?: number };
  constitute_shadow_board: { members: { name: string; place: BoardPlace }[] };
  complete_board_training: Summary;
  confirm_operational_readiness: Summary;
  submit_section_27_application: Summary;
  record_section_27_decision: object;
  decide_after_section_27_refusal: Minute;
  launch_almo: { goLiveDate: string };
  schedule_inspection: { inspectionDate: string; otherEvents?: OtherEvent[] };
  review_inspection_clash: { note?: string };
  record_inspection_result: { stars: number; prospects: InspectionProspect; reportReference: string };
  /** `improvement_plan` sets out the plan. */
  decide_after_inspection: Minute & { plan?: string };
  review_management_agreement: object;
}

export const ALMO_FORMS: FormDeclaration<AlmoForms> = {
  decide_stock_option: { minuteReference: true },
  appoint_tenants_adviser: { adviser: true, organisation: true },
  choose_test_of_opinion_method: {},
  record_test_of_opinion_result: { eligible: true, votesCast: true, for: true, against: true },
  record_decent_homes_bid: { round: true, dwellings: true, borrowingApprovalPence: true, hraAllowancePence: true },
  agree_hra_arrangements: { summary: true },
  list_central_services: { services: true },
  approve_management_agreement: { reference: true },
  constitute_shadow_board: { members: true },
  complete_board_training: { summary: true },
  confirm_operational_readiness: { summary: true },
  submit_section_27_application: { summary: true },
  record_section_27_decision: {},
  decide_after_section_27_refusal: { minuteReference: true },
  launch_almo: { goLiveDate: true },
  schedule_inspection: { inspectionDate: true },
  review_inspection_clash: {},
  record_inspection_result: { stars: true, prospects: true, reportReference: true },
  decide_after_inspection: { minuteReference: true },
  review_management_agreement: {},
};
export const ALMO_TASK_KINDS = taskKindsOf(ALMO_FORMS);
export type AlmoTaskKind = keyof AlmoForms;

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
