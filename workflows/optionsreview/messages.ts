import { defineUpdate } from '@temporalio/workflow';
import type { CommonPolicy } from '../common/policy';
import { groupKeyOf, slugOf } from '../common/process';
import type { Actor } from '../common/roles';
import { taskKindsOf, type FormDeclaration } from '../common/tasks';
import type { TimelineTally } from '../common/engine-types';
import type { OptionsReviewPolicy } from './policy';

// What the options review workflow and the API side of its definition both need: safe in workflows.

export const OPTIONS_REVIEW_KIND = 'optionsreview';

/** How tenants were asked before the original transfer to the ALMO (as the ALMO establishment records it). */
export const ORIGINAL_METHODS = ['ballot', 'survey', 'other'] as const;
export type OriginalMethod = (typeof ORIGINAL_METHODS)[number];
/** How tenants are asked now [13-14]: a ballot, a full survey, or another comprehensive method. */
export const CONSULTATION_METHODS = ['ballot', 'full_survey', 'other'] as const;
export type ConsultationMethod = (typeof CONSULTATION_METHODS)[number];
export const REVIEW_OPTIONS = ['keep_almo', 'in_house', 'other'] as const;
export type ReviewOption = (typeof REVIEW_OPTIONS)[number];
export const REVIEW_OPTION_NAMES: Record<ReviewOption, string> = {
  keep_almo: 'keep the ALMO',
  in_house: 'bring the service in-house',
  other: 'another option',
};
/** §3.8: the handover before the service is in-house, each its own task and owner. */
export const HANDOVER_ITEMS = {
  staff: { name: 'staff', role: 'programme_manager' },
  contracts: { name: 'contracts', role: 'legal_services' },
  it: { name: 'IT', role: 'housing_manager' },
  management_agreement: { name: 'ending the Management Agreement', role: 'legal_services' },
} as const;
export type HandoverItem = keyof typeof HANDOVER_ITEMS;

export const OPTIONS_REVIEW_STAGES = {
  review: 'review',
  consultation: 'consultation',
  councilDecision: 'council_decision',
  handover: 'handover',
  listening: 'listening_programme',
  almoKept: 'almo_kept',
  inHouse: 'in_house',
  otherOption: 'other_option',
  cancelled: 'cancelled',
} as const;

type Tenants = { tenantsInvited: string; adviserOffered: string; almoInvited: string };
type Terms = { aims: string; timescales: string; process: string; shortlistingCriteria: string; decisionCriteria: string };
type Risks = { lossOfKeyStaff: string; selfFinancing: string; capitalProgramme: string; decentHomes: string };
export type ShortlistedOption = { option: ReviewOption; name: string; pros: string; cons: string; impactOnResidents: string };
export type FundingStream = { source: string; amountPence: number };

/** What each task kind asks for in its form (see FormDeclaration): the definition's schemas are checked against it. */
export interface OptionsReviewForms {
  record_original_test_of_opinion: { evidence: string };
  notify_department: { notifiedOn: string; reference: string };
  record_department_acknowledgement: { reference: string };
  publish_terms_of_reference: Terms;
  engage_tenants_and_almo: Tenants;
  /** An external validation, or the reason for none [21]. */
  assess_options: { costBenefit: string; risks: Risks; externalValidation?: string; noValidationReason?: string };
  shortlist_options: { options: ShortlistedOption[]; recommended: ReviewOption; reasons: string };
  ratify_continued_funding: { minuteReference: string; fundingStreams: FundingStream[] };
  approve_consultation_material: { reference: string; accurateAndImpartial: true };
  appoint_consultation_overseer: { organisation: string };
  /** `other` describes the method. */
  open_consultation: { description?: string };
  record_consultation_result: { eligible: number; responses: number; forRecommended: number; against: number };
  /** `in_house` sets the transfer date. */
  record_council_decision: { minuteReference: string; meetingDate: string; transferDate?: string };
  complete_handover: { summary: string };
  record_baseline_measures: ServiceMeasures;
  record_closing_measures: ServiceMeasures;
}

export const OPTIONS_REVIEW_FORMS: FormDeclaration<OptionsReviewForms> = {
  record_original_test_of_opinion: { evidence: true },
  notify_department: { notifiedOn: true, reference: true },
  record_department_acknowledgement: { reference: true },
  publish_terms_of_reference: { aims: true, timescales: true, process: true, shortlistingCriteria: true, decisionCriteria: true },
  engage_tenants_and_almo: { tenantsInvited: true, adviserOffered: true, almoInvited: true },
  assess_options: { costBenefit: true, risks: true },
  shortlist_options: { options: true, recommended: true, reasons: true },
  ratify_continued_funding: { fundingStreams: true, minuteReference: true },
  approve_consultation_material: { reference: true, accurateAndImpartial: true },
  appoint_consultation_overseer: { organisation: true },
  open_consultation: {},
  record_consultation_result: { eligible: true, responses: true, forRecommended: true, against: true },
  record_council_decision: { minuteReference: true, meetingDate: true },
  complete_handover: { summary: true },
  record_baseline_measures: { complaintsPerMonth: true, repairSatisfactionPercent: true },
  record_closing_measures: { complaintsPerMonth: true, repairSatisfactionPercent: true },
};
export const OPTIONS_REVIEW_TASK_KINDS = taskKindsOf(OPTIONS_REVIEW_FORMS);
export type OptionsReviewTaskKind = keyof OptionsReviewForms;

/** Before/after measures of the service (Westminster: complaints down 35%, repair satisfaction 73% → 85%). */
export interface ServiceMeasures {
  complaintsPerMonth: number;
  repairSatisfactionPercent: number;
}

export interface OptionsReviewStartInput {
  council: string;
  councilName?: string;
  almo: string;
  /** Entered at the start where this service did not run the ALMO's establishment: the method and its evidence. */
  originalTestOfOpinion?: { method: OriginalMethod; evidence: string };
  startedBy: Actor;
  policy: CommonPolicy & { optionsreview: OptionsReviewPolicy };
}

export interface OptionsReviewDetails {
  almo: string;
  /** The project group tenants' representatives are granted resident_rep for (runs from before have none). */
  projectGroup?: { name: string; key: string };
  /** R1: how tenants were asked before the original transfer, and where that is recorded. */
  original?: { method: OriginalMethod; evidence: string; from: 'almo_establishment' | 'entered'; establishmentProcessId?: string };
  department?: { notifiedOn: string; reference: string; notifiedBy: Actor; acknowledgement?: string };
  termsOfReference?: { documentId: string; publishedAt: string };
  engagement?: { tenantsInvited: string; adviserOffered: string; almoInvited: string };
  appraisal?: { costBenefit: string; risks: Record<string, string>; externalValidation?: string; noValidationReason?: string };
  shortlist?: {
    options: { option: ReviewOption; name: string; pros: string; cons: string; impactOnResidents: string }[];
    recommended: ReviewOption;
    reasons: string;
  };
  /** R2: the funding streams for keeping the ALMO and the council decision ratifying them. */
  funding?: { streams: { source: string; amountPence: number }[]; minuteReference: string; ratifiedBy: Actor };
  material?: { reference: string; accurateAndImpartial: boolean; approvedBy: Actor };
  overseer?: { organisation: string };
  consultation?: {
    method: ConsultationMethod;
    description?: string;
    opensAt: string;
    closesAt: string;
    result?: { eligible: number; responses: number; forRecommended: number; against: number };
  };
  decision?: {
    option: ReviewOption;
    minuteReference: string;
    /** The council (cabinet) meeting that decided; runs from before have none. */ meetingDate?: string;
    reasons: string;
    decidedBy: Actor;
    decidedAt: string;
    documentId?: string;
    transferDate?: string;
  };
  handover?: Partial<Record<HandoverItem, string>>;
  agreementEnded?: { establishmentProcessId: string; signalled: boolean; /** Why the establishment could not be told. */ notTold?: string };
  listening?: {
    opensAt: string;
    closesAt: string;
    /** Contacts held in the workflow by runs from before they were notes on the timeline (`heard` since). */
    contacts: { channel: string; summary: string; at: string; by: Actor }[];
    /** The residents heard, counted from the timeline's notes when the programme closes. */
    heard?: TimelineTally;
    before?: ServiceMeasures;
    after?: ServiceMeasures;
    reportId?: string;
  };
  endedBecause?: string;
}

/** §3.8: a resident's contact during the listening programme. */
export interface ResidentContactInput {
  actor: Actor;
  channel: string;
  summary: string;
}
/** The timeline kind of the establishment not being told its Management Agreement ends (it had ended). */
export const AGREEMENT_END_NOT_TOLD = 'agreement_end_not_told';

/** The timeline kind of a resident's contact: a note (definition `notes`), not a workflow update. */
export const RESIDENT_CONTACT_NOTE = 'resident_contact';
/** Runs from before contacts were notes took each as this update; it stays for them. */
export const recordResidentContactUpdate = defineUpdate<{ stage: string; contacts: number }, [ResidentContactInput]>(
  'recordResidentContact',
);

/** PROCESSES.md "Common to all": one options review per council and ALMO at a time. */
export const optionsReviewBusinessKey = (input: { council: string; almo: string }): string =>
  `${OPTIONS_REVIEW_KIND}:${input.council}:${slugOf(input.almo)}`;

/**
 * [19-20]: the review's project group, where tenants' representatives sit from the outset. Its name is
 * how the admin grants them resident_rep (`--group`); they then read the review and hear its decisions.
 */
export const projectGroupName = (almo: string): string => `${almo} options review project group`;
export const projectGroupKey = (almo: string): string => groupKeyOf(projectGroupName(almo));
