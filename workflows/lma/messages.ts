import { defineUpdate } from '@temporalio/workflow';
import type { CommonPolicy } from '../common/policy';
import type { Actor, Role } from '../common/roles';
import { taskKindsOf, type FormDeclaration } from '../common/tasks';
import type { LmaPolicy } from './policy';
import { groupKeyOf, slugOf } from '../common/process';

// What both the LMA workflow and the API side of its definition need: safe to load inside workflows.

export const LMA_KIND = 'lma';
/** The residents' group may withdraw from its LMA at any step (the council may cancel any process). */
export const LMA_WITHDRAWN_BY: { role: Role; name: string } = { role: 'resident_rep', name: 'the group' };

// PROCESSES.md §1: the services residents may take on, and the legal forms a group may have.
export const LMA_SERVICES = ['window_cleaning', 'gardening', 'estate_cleaning', 'minor_repairs', 'other'] as const;
export type LmaService = (typeof LMA_SERVICES)[number];
export const LEGAL_FORMS = ['none', 'residents_association', 'community_interest_company'] as const;
export type LegalForm = (typeof LEGAL_FORMS)[number];
export const DELIVERY_MODES = ['residents', 'employ', 'contractor'] as const;
export type DeliveryMode = (typeof DELIVERY_MODES)[number];

export const LMA_STAGES = {
  adviserAppointment: 'adviser_appointment',
  outlinePlan: 'outline_plan',
  budgetDecision: 'budget_decision',
  testOfSupport: 'test_of_support',
  detailedPlan: 'detailed_plan',
  preparingAgreement: 'preparing_agreement',
  operating: 'operating',
  annualReview: 'annual_review',
  terminated: 'terminated',
  notSupported: 'not_supported',
  noServices: 'no_services',
  withdrawn: 'withdrawn',
  cancelled: 'cancelled',
} as const;

/** What each task kind asks for in its form (see FormDeclaration): the definition's schemas are checked against it. */
export interface LmaForms {
  appoint_adviser: { adviserUserId: string; adviserName: string };
  submit_outline_plan: { summary: string };
  /** `accept` states the indicative payments (and the services not provided today). */
  reply_to_outline_plan: { comments?: string; indicativePayments?: Partial<Record<LmaService, number>>; notProvidedToday?: LmaService[] };
  budget_availability: object;
  report_test_of_support: { meetingsHeld: number; householdsContacted: number; skillsAssessment: string };
  submit_detailed_plan: { services: ServiceTerms[]; training: string };
  approve_detailed_plan: object;
  confirm_insurance_and_safety: { insuredBy: 'council' | 'group'; cover: string[]; healthAndSafety: string };
  record_consultation_result: { for: number; against: number; noReply?: number };
  register_formal_body: { legalForm: 'residents_association' | 'community_interest_company'; reference: string };
  /** Only what differs from what the draft starts from; a first draft states both responsibilities. */
  draft_agreement: {
    services?: ServiceTerms[];
    removeServices?: LmaService[];
    groupResponsibilities?: string;
    councilResponsibilities?: string;
  };
  sign_agreement: object;
  submit_monitoring_report: { summary: string };
  annual_review: { performance: string; satisfaction: string };
}

/** Every kind of task the LMA opens, and the fields its form must fill in. */
export const LMA_FORMS: FormDeclaration<LmaForms> = {
  appoint_adviser: { adviserUserId: true, adviserName: true },
  submit_outline_plan: { summary: true },
  reply_to_outline_plan: {},
  budget_availability: {},
  report_test_of_support: { meetingsHeld: true, householdsContacted: true, skillsAssessment: true },
  submit_detailed_plan: { services: true, training: true },
  approve_detailed_plan: {},
  confirm_insurance_and_safety: { insuredBy: true, cover: true, healthAndSafety: true },
  record_consultation_result: { for: true, against: true },
  register_formal_body: { legalForm: true, reference: true },
  draft_agreement: {},
  sign_agreement: {},
  submit_monitoring_report: { summary: true },
  annual_review: { performance: true, satisfaction: true },
};
export const LMA_TASK_KINDS = taskKindsOf(LMA_FORMS);
export type LmaTaskKind = keyof LmaForms;

/** One service the group offers to run, over all or part of the estate (e.g. some blocks only). */
export interface ServiceScope {
  service: LmaService;
  /** Blocks or areas covered, e.g. ["Elm House", "flowerbeds by the car park"]. */
  scope: string[];
}

/** A service as the detailed plan and the agreement set it out (§1.5, §1.9). Money in pence a year. */
/** A contractor's quote the group obtained for a service (§1.5); `date` is a calendar date, e.g. 2027-03-01. */
export interface ContractorQuote {
  supplier: string;
  amountPence: number;
  date: string;
}

export interface ServiceTerms extends ServiceScope {
  standards: string;
  annualPayment: number;
  deliveryMode: DeliveryMode;
  /** For a service a contractor delivers (absent in plans from before quotes were asked for). */
  quotes?: ContractorQuote[];
}

/** The Community Cashback Agreement as drafted by legal services and signed (§1.9). */
export interface AgreementTerms {
  services: ServiceTerms[];
  groupResponsibilities: string;
  councilResponsibilities: string;
}

/** What a new term's run carries over from the run before it (continue-as-new). */
export interface LmaTermCarry {
  term: number;
  termStart: string;
  agreement: AgreementTerms;
  agreementDocumentId: string;
  startedAt: string;
  adviser: LmaDetails['adviser'];
  legalForm: LegalForm;
  insuredBy: string;
  /** What the set-up recorded, carried as it was (absent in carries from before it was). */
  consultation?: LmaDetails['consultation'];
  insurance?: LmaDetails['insurance'];
  registration?: string;
  training?: string;
  /** Decisions taken in earlier terms: the timeline holds them all. */
  decisionsBefore: number;
  previousTerms: { term: number; termStart: string; outcome: 'renew' | 'vary' }[];
}

/** Step 1, the expression of interest from a residents' group. */
export interface LmaStartInput {
  council: string;
  /** The council's name as its documents state it (absent in processes started before councils had names). */
  councilName?: string;
  estate: string;
  group: { name: string; legalForm: LegalForm };
  services: ServiceScope[];
  startedBy: Actor;
  /** The council's policy when the process started; absent in processes started before policies. */
  policy?: CommonPolicy & { lma: LmaPolicy };
  /** Set when a new term continues the process in a new run. */
  carry?: LmaTermCarry;
}

export interface LmaDetails {
  estate: string;
  /** `registration`: the formal body's registration reference, when the group constituted one (§1.8). */
  group: { name: string; legalForm: LegalForm; registration?: string };
  services: ServiceScope[];
  adviser?: { userId: string; name: string; appointedBy: Actor; appointedAt: string };
  indicativePayments?: Record<string, number>;
  detailedPlan?: ServiceTerms[];
  /** §1.5: the training or help the group needs, from its detailed plan. */
  training?: string;
  /**
   * The formal consultation's result. A term carried from a run before the figures were carried has
   * `supported` only (its agreement could be signed only with support); the figures are on the timeline.
   */
  consultation?: { for?: number; against?: number; supported: boolean };
  /** `cover` is absent in a term carried from a run before it was carried. */
  insurance?: { insuredBy: string; cover?: string[] };
  agreement?: AgreementTerms & { documentId?: string; signedBy: Actor[] };
  term?: { number: number; start: string; end: string };
  /** A variation asked for during the term, being drafted and signed. */
  variationInProgress?: { number: number; requestedBy: Actor; reasons: string };
  endedBecause?: string;
}

/** §1.11 "alter the agreement to suit your needs": during a term the group or the council asks to vary it. */
export interface VariationRequestInput {
  actor: Actor;
  reasons: string;
}
export const requestVariationUpdate = defineUpdate<{ stage: string; variation: number }, [VariationRequestInput]>('requestVariation');

/** The residents' group as a key: what a resident_rep's role grant names. */
export const lmaGroupKey = groupKeyOf;
const slug = slugOf;

/** PROCESSES.md "Common to all": an LMA is identified by council + estate + group. */
export function lmaBusinessKey(input: Pick<LmaStartInput, 'council' | 'estate' | 'group'>): string {
  return `lma:${input.council}:${slug(input.estate)}:${lmaGroupKey(input.group.name)}`;
}
