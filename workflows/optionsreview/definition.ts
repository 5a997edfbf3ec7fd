import { z } from 'zod';
import { count, councilSlug, longText, oneLine, oneLineName, pastDate, tallyThatCanBeTrue } from '../../lib/field-schemas';
import { ownPolicy, type ProcessDefinition, type TaskFormsOf } from '../../lib/process-definition';
import {
  OPTIONS_REVIEW_KIND,
  OPTIONS_REVIEW_STAGES,
  OPTIONS_REVIEW_TASK_KINDS,
  ORIGINAL_METHODS,
  REVIEW_OPTIONS,
  optionsReviewBusinessKey,
  projectGroupKey,
  RESIDENT_CONTACT_NOTE,
  AGREEMENT_END_NOT_TOLD,
  type OptionsReviewDetails,
  type OptionsReviewStartInput,
  type OptionsReviewForms,
} from './messages';
import { OPTIONS_REVIEW_POLICY_DEFAULTS, type OptionsReviewPolicy } from './policy';
import { optionsReviewRulesReport } from './rules';

// An options review of an ALMO as the service sees it (PROCESSES.md §3): how it starts, its policy
// section, its task forms and its commands. Not part of the workflow bundle (it loads zod).

const startBody = z
  .object({
    kind: z.literal(OPTIONS_REVIEW_KIND),
    council: councilSlug,
    almo: oneLineName.meta({ description: "the ALMO's name, as its establishment was named where this service ran it" }),
    originalTestOfOpinion: z
      .object({ method: z.enum(ORIGINAL_METHODS), evidence: oneLine.meta({ description: 'a document reference' }) })
      .strict()
      .optional()
      .meta({
        description: 'how tenants were asked before the original transfer (rule R1), where this service did not run the establishment',
      }),
  })
  .strict();
type StartBody = z.infer<typeof startBody>;

const nothing = z.object({}).strict();
const summary = z.object({ summary: longText }).strict();
const minute = z.object({ minuteReference: oneLine }).strict();
/** The council's decision: its minute and the day of the meeting that took it. */
const councilDecision = minute.extend({
  meetingDate: pastDate.meta({ description: 'the day of the council (cabinet) meeting that decided' }),
});
const measures = z.object({ complaintsPerMonth: count, repairSatisfactionPercent: z.number().min(0).max(100) }).strict();
/** Funding for an ALMO runs to millions of pounds: up to £100bn, in pence. */
const fundingPence = z.number().int().min(0).max(10_000_000_000_000);

// What each kind of task asks for in `form`, checked against the form types the workflow reads (its
// messages' declaration): these give the caller the field-by-field errors and the API description.
const taskForms = {
  record_original_test_of_opinion: z.object({ evidence: oneLine }).strict(),
  notify_department: z.object({ notifiedOn: pastDate, reference: oneLine }).strict(),
  record_department_acknowledgement: z.object({ reference: oneLine }).strict(),
  publish_terms_of_reference: z
    .object({ aims: longText, timescales: longText, process: longText, shortlistingCriteria: longText, decisionCriteria: longText })
    .strict(),
  engage_tenants_and_almo: z.object({ tenantsInvited: longText, adviserOffered: longText, almoInvited: longText }).strict(),
  assess_options: z
    .object({
      costBenefit: longText,
      risks: z.object({ lossOfKeyStaff: longText, selfFinancing: longText, capitalProgramme: longText, decentHomes: longText }).strict(),
      externalValidation: oneLine.optional(),
      noValidationReason: longText.optional(),
    })
    .strict()
    .refine((f) => f.externalValidation !== undefined || f.noValidationReason !== undefined, {
      message: 'an external validation, or the reason for none [21]',
      path: ['externalValidation'],
    }),
  shortlist_options: z
    .object({
      options: z
        .array(
          z
            .object({ option: z.enum(REVIEW_OPTIONS), name: oneLineName, pros: longText, cons: longText, impactOnResidents: longText })
            .strict(),
        )
        .min(2)
        .max(10),
      recommended: z.enum(REVIEW_OPTIONS),
      reasons: longText,
    })
    .strict()
    .refine((f) => f.options.some((o) => o.option === f.recommended), {
      message: 'the recommended option is one of the shortlisted options [22]',
      path: ['recommended'],
    }),
  ratify_continued_funding: minute.extend({
    fundingStreams: z
      .array(z.object({ source: oneLineName, amountPence: fundingPence }).strict())
      .min(1)
      .max(20),
  }),
  approve_consultation_material: z
    .object({
      reference: oneLine,
      accurateAndImpartial: z.literal(true).meta({ description: 'R4 [17]: the information to tenants is accurate and impartial' }),
    })
    .strict(),
  appoint_consultation_overseer: z.object({ organisation: oneLineName }).strict(),
  open_consultation: { byOutcome: { other: z.object({ description: longText }).strict() }, otherwise: nothing },
  record_consultation_result: tallyThatCanBeTrue(
    z.object({ eligible: count, responses: count, forRecommended: count, against: count }).strict(),
    { eligible: 'eligible', tookPart: 'responses', for: 'forRecommended', against: 'against' },
  ),
  record_council_decision: {
    byOutcome: {
      in_house: councilDecision
        .extend({ transferDate: z.iso.date().meta({ description: 'when the service comes in-house: on or after the meeting' }) })
        .refine((f) => f.transferDate >= f.meetingDate, {
          message: "cannot be before the council's decision (meetingDate)",
          path: ['transferDate'],
        }),
    },
    otherwise: councilDecision,
  },
  complete_handover: summary,
  record_baseline_measures: measures,
  record_closing_measures: measures,
} satisfies TaskFormsOf<OptionsReviewForms>;

const workingDays = z.number().int().min(1).max(365);
const policySection = z
  .object({
    notifyDepartmentWorkingDays: workingDays,
    councilStepWorkingDays: workingDays,
    consultationDays: z.number().int().min(1).max(365),
    listeningMonths: z.number().int().min(1).max(60),
  })
  .strict();

export const optionsReviewDefinition: ProcessDefinition = {
  kind: OPTIONS_REVIEW_KIND,
  name: 'Options review of an ALMO, including a return in-house',
  workflowType: 'optionsReview',
  start: {
    body: startBody,
    roles: ['programme_manager'],
    scope: (body: StartBody) => ({ council: body.council, groupKey: projectGroupKey(body.almo) }),
    businessKey: (body: StartBody) => optionsReviewBusinessKey(body),
    stage: OPTIONS_REVIEW_STAGES.review,
    input: (body: StartBody, { startedBy, policy, councilName }): OptionsReviewStartInput => ({
      ...(councilName ? { councilName } : {}),
      council: body.council,
      almo: body.almo,
      ...(body.originalTestOfOpinion ? { originalTestOfOpinion: body.originalTestOfOpinion } : {}),
      startedBy,
      policy: ownPolicy<typeof OPTIONS_REVIEW_KIND, OptionsReviewPolicy>(policy, OPTIONS_REVIEW_KIND),
    }),
  },
  stages: Object.values(OPTIONS_REVIEW_STAGES),
  policy: { schema: policySection, defaults: { ...OPTIONS_REVIEW_POLICY_DEFAULTS } },
  taskKinds: OPTIONS_REVIEW_TASK_KINDS,
  taskForms,
  notes: [
    {
      path: 'resident-contacts',
      summary: "Record residents' contact during the listening programme after a return in-house (one person, or an event of many)",
      body: z
        .object({
          channel: oneLine.meta({ description: 'e.g. drop-in, phone, estate walkabout' }),
          summary: longText,
          people: z
            .number()
            .int()
            .min(1)
            .max(100_000)
            .optional()
            .meta({ description: 'how many residents the contact stands for (an event of 40); 1 when absent' }),
        })
        .strict(),
      roles: ['housing_manager'],
      stages: [OPTIONS_REVIEW_STAGES.listening],
      kind: RESIDENT_CONTACT_NOTE,
      inWords: (body: { channel: string; summary: string; people?: number }) =>
        `Listening programme: ${body.people && body.people > 1 ? `${body.people} residents'` : "a resident's"} contact by ${body.channel}: ${body.summary}`,
    },
  ],
  events: {
    [RESIDENT_CONTACT_NOTE]: "a resident's contact (or an event of many) during the listening programme (§3.8)",
    [AGREEMENT_END_NOT_TOLD]: 'the ALMO establishment could not be told that its Management Agreement ends (it had already ended)',
  },
  rulesReport: (details) => optionsReviewRulesReport(details as OptionsReviewDetails),
  documents: {
    decision_record: 'the record of each decision: who, when, the outcome, reasons and details',
    terms_of_reference: 'the public terms of reference: aims, timescales, process, shortlisting and decision criteria [20]',
    decision_notice: "the council's published decision with reasons, and for keeping the ALMO its ratified funding [27]",
    listening_programme_report: 'the closing report of the listening programme, with before/after measures (§3.8)',
  },
};
