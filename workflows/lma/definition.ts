import { z } from 'zod';
import { ownPolicy, type ProcessDefinition, type TaskFormsOf } from '../../lib/process-definition';
import {
  DELIVERY_MODES,
  LEGAL_FORMS,
  LMA_KIND,
  LMA_SERVICES,
  LMA_STAGES,
  LMA_TASK_KINDS,
  LMA_WITHDRAWN_BY,
  lmaBusinessKey,
  lmaGroupKey,
  requestVariationUpdate,
  type LmaDetails,
  type LmaStartInput,
  type LmaForms,
} from './messages';
import { createLmaActivities, paymentEmail, paymentsOf } from './activities';
import { LMA_POLICY_DEFAULTS, type LmaPolicy } from './policy';
import { lmaRulesReport } from './rules';
import { count, councilSlug, isoDateTime, longText, oneLine, oneLineName, pence, reasonsText } from '../../lib/field-schemas';

// The Local Management Agreement as the service sees it (PROCESSES.md §1): how it starts, its policy
// section, its task forms, its commands and reads. Not part of the workflow bundle (it loads zod).

// Names go into process titles, task titles and email subjects: one line each.
const slug = councilSlug;
const name = oneLineName;
const area = oneLine;
const text = longText;
const reasons = reasonsText;

const startBody = z
  .object({
    kind: z.literal(LMA_KIND),
    council: slug,
    estate: name,
    group: z.object({ name, legalForm: z.enum(LEGAL_FORMS) }).strict(),
    services: z
      .array(z.object({ service: z.enum(LMA_SERVICES), scope: z.array(area).min(1).max(100) }).strict())
      .min(1)
      .max(LMA_SERVICES.length)
      .refine((services) => new Set(services.map((s) => s.service)).size === services.length, {
        message: 'each service appears once; list all its areas in its scope',
      }),
  })
  .strict();
type StartBody = z.infer<typeof startBody>;

// §1.5: a service a contractor delivers is planned on the contractor quotes the group obtained.
const contractorQuote = z.object({ supplier: name, amountPence: pence, date: z.iso.date() }).strict();
const serviceTerms = z
  .object({
    service: z.enum(LMA_SERVICES),
    scope: z.array(area).min(1).max(100),
    standards: text,
    annualPayment: pence,
    deliveryMode: z.enum(DELIVERY_MODES),
    quotes: z.array(contractorQuote).max(10).optional(),
  })
  .strict()
  .refine((s) => s.deliveryMode !== 'contractor' || (s.quotes?.length ?? 0) > 0, {
    message: 'a service a contractor delivers lists its contractor quotes (PROCESSES.md §1.5)',
    path: ['quotes'],
  });
const nothing = z.object({}).strict();

// What each kind of task asks for in `form`, checked against the form types the workflow reads (its
// messages' declaration): these give the caller the field-by-field errors and the API description.
const taskForms = {
  appoint_adviser: z.object({ adviserUserId: text, adviserName: text }).strict(),
  submit_outline_plan: z.object({ summary: text }).strict(),
  reply_to_outline_plan: {
    byOutcome: {
      accept: z
        .object({
          comments: text.optional(),
          indicativePayments: z.partialRecord(z.enum(LMA_SERVICES), pence),
          notProvidedToday: z.array(z.enum(LMA_SERVICES)).optional(),
        })
        .strict(),
    },
    otherwise: z.object({ comments: text.optional() }).strict(),
  },
  budget_availability: nothing,
  report_test_of_support: z.object({ meetingsHeld: count, householdsContacted: count, skillsAssessment: text }).strict(),
  submit_detailed_plan: z
    .object({
      services: z.array(serviceTerms).min(1).max(LMA_SERVICES.length),
      training: text.meta({ description: 'the training or help the group needs to deliver the plan (§1.5)' }),
    })
    .strict(),
  approve_detailed_plan: nothing,
  confirm_insurance_and_safety: z
    .object({
      insuredBy: z.enum(['council', 'group']),
      cover: z.array(z.enum(['public_liability', 'theft', 'damage', 'injury'])).min(1),
      healthAndSafety: text,
    })
    .strict(),
  record_consultation_result: z.object({ for: count, against: count, noReply: count.optional() }).strict(),
  register_formal_body: z.object({ legalForm: z.enum(['residents_association', 'community_interest_company']), reference: text }).strict(),
  draft_agreement: z
    .object({
      services: z.array(serviceTerms).min(1).max(LMA_SERVICES.length).optional().meta({
        description:
          'only the services that differ from what the draft starts from (the approved detailed plan, or the agreement in force), each in full; absent: none differ',
      }),
      removeServices: z
        .array(z.enum(LMA_SERVICES))
        .min(1)
        .max(LMA_SERVICES.length)
        .optional()
        .meta({ description: 'services the agreement leaves out' }),
      groupResponsibilities: text
        .optional()
        .meta({ description: 'required in a first draft; a variation keeps those in force unless given' }),
      councilResponsibilities: text
        .optional()
        .meta({ description: 'required in a first draft; a variation keeps those in force unless given' }),
    })
    .strict(),
  sign_agreement: nothing,
  submit_monitoring_report: z.object({ summary: text }).strict(),
  annual_review: z.object({ performance: text, satisfaction: text }).strict(),
} satisfies TaskFormsOf<LmaForms>;

const policySection = z
  .object({
    adviserAppointmentWorkingDays: z.number().int().min(1).max(365),
    groupStepWorkingDays: z.number().int().min(1).max(365),
    councilStepWorkingDays: z.number().int().min(1).max(365),
    consultationDays: z.number().int().min(1).max(365),
    supportThreshold: z.number().min(0).max(0.99),
    termDays: z.number().int().min(1).max(3650),
    paymentsPerTerm: z.number().int().min(1).max(52),
    reportingPeriodsPerTerm: z.number().int().min(1).max(12),
    annualReviewDaysBeforeEnd: z.number().int().min(1).max(365),
  })
  .strict();

export const lmaDefinition: ProcessDefinition = {
  kind: LMA_KIND,
  name: 'Local Management Agreement',
  workflowType: 'localManagementAgreement',
  start: {
    body: startBody,
    // PROCESSES.md: programme managers start processes; a residents' group expresses its own interest.
    roles: ['programme_manager', 'resident_rep'],
    scope: (body: StartBody) => ({ council: body.council, groupKey: lmaGroupKey(body.group.name) }),
    businessKey: (body: StartBody) => lmaBusinessKey(body),
    stage: LMA_STAGES.adviserAppointment,
    input: (body: StartBody, { startedBy, policy, councilName }): LmaStartInput => ({
      ...(councilName ? { councilName } : {}),
      council: body.council,
      estate: body.estate,
      group: body.group,
      services: body.services,
      startedBy,
      policy: ownPolicy<typeof LMA_KIND, LmaPolicy>(policy, LMA_KIND),
    }),
  },
  stages: Object.values(LMA_STAGES),
  withdrawnBy: LMA_WITHDRAWN_BY.role,
  policy: {
    schema: policySection,
    defaults: { ...LMA_POLICY_DEFAULTS },
    check: (section) =>
      (section.annualReviewDaysBeforeEnd as number) < (section.termDays as number)
        ? undefined
        : { field: 'annualReviewDaysBeforeEnd', message: 'the annual review must open before the term ends' },
  },
  taskKinds: LMA_TASK_KINDS,
  taskForms,
  formStarts: {
    // The draft starts from what it is drafted from (the approved detailed plan, or the agreement in force).
    draft_agreement: (data: { startsFrom?: Record<string, unknown> }, outcome) =>
      outcome === 'approve' && data.startsFrom
        ? Object.fromEntries(
            (['services', 'groupResponsibilities', 'councilResponsibilities'] as const)
              .filter((field) => data.startsFrom?.[field] !== undefined)
              .map((field) => [field, data.startsFrom?.[field]]),
          )
        : undefined,
  },
  commands: [
    {
      path: 'variation-requests',
      summary: 'Ask to vary an LMA during its term; legal services redrafts and both sides sign again',
      body: z.object({ reasons }).strict(),
      // §1.11: the group, or the council through its housing manager.
      roles: ['resident_rep', 'housing_manager'],
      update: requestVariationUpdate,
      input: (body: { reasons: string }, actor) => ({ actor, reasons: body.reasons }),
      response: z.object({ stage: z.string(), variation: z.number() }),
    },
  ],
  reads: [
    {
      path: 'payments',
      summary: 'Payment instructions of an LMA, by term and instalment',
      response: z.object({
        items: z.array(
          z.object({
            term: z.number(),
            instalment: z.number(),
            of: z.number(),
            amountPence: z.number(),
            dueOn: isoDateTime,
            payee: z.string(),
          }),
        ),
      }),
      load: paymentsOf,
    },
  ],
  events: {
    variation_requested: 'a variation of the agreement asked for during its term, with the reasons (§1.11)',
    payment_instructed: 'an instruction to pay an instalment on its date (§1.10)',
  },
  emails: { payment_instructed: paymentEmail },
  activities: createLmaActivities,
  rulesReport: (details, policy) => lmaRulesReport(details as LmaDetails, policy?.[LMA_KIND] as LmaPolicy | undefined),
  documents: {
    decision_record: 'the record of each decision: who, when, the outcome, reasons and details',
    consultation_notice: 'the notice of the formal consultation of affected residents (§1.7)',
    community_cashback_agreement: 'the signed Community Cashback Agreement of a term or variation (§1.9)',
    termination_notice: 'the notice to residents that the agreement ends (§1.11)',
  },
};
