import { z } from 'zod';
import { count, councilSlug, longText, oneLine, oneLineName, tallyThatCanBeTrue } from '../../lib/field-schemas';
import { ownPolicy, type ProcessDefinition, type TaskFormsOf } from '../../lib/process-definition';
import type { SlaPolicy } from '../sla/policy';
import { centralServiceSchema, eachServiceOnce, serviceLeadsNamed } from '../sla/definition';
import {
  ALMO_EXPORTS,
  ALMO_KIND,
  ALMO_STAGES,
  TEST_OF_OPINION_METHOD_TASK,
  ALMO_TASK_KINDS,
  BOARD_PLACES,
  INSPECTION_PROSPECTS,
  OTHER_EVENT_KINDS,
  SUPPORT_RULES,
  almoBusinessKey,
  type AlmoDetails,
  type AlmoStartInput,
  type AlmoForms,
} from './messages';
import { ALMO_POLICY_DEFAULTS, type AlmoPolicy } from './policy';
import { almoRulesReport } from './rules';

// Setting up an ALMO as the service sees it (PROCESSES.md §2): how it starts, its policy section and
// its task forms. Not part of the workflow bundle (it loads zod).

const startBody = z
  .object({
    kind: z.literal(ALMO_KIND),
    council: councilSlug,
    almo: oneLineName.meta({ description: "the ALMO's name, e.g. CityWest Homes" }),
    stock: z.object({ dwellings: count.min(1), leaseholders: count }).strict(),
  })
  .strict();
type StartBody = z.infer<typeof startBody>;

const nothing = z.object({}).strict();
const summary = z.object({ summary: longText }).strict();
const minute = z.object({ minuteReference: oneLine }).strict();
const date = z.iso.date();
/** A Decent Homes allocation runs to hundreds of millions of pounds: up to £100bn, in pence. */
const allocationPence = z.number().int().min(0).max(10_000_000_000_000);

// What each kind of task asks for in `form`, checked against the form types the workflow reads (its
// messages' declaration): these give the caller the field-by-field errors and the API description.
const taskForms = {
  decide_stock_option: minute,
  appoint_tenants_adviser: z.object({ adviser: oneLineName, organisation: oneLineName }).strict(),
  choose_test_of_opinion_method: { byOutcome: { other: z.object({ description: longText }).strict() }, otherwise: nothing },
  record_test_of_opinion_result: tallyThatCanBeTrue(z.object({ eligible: count, votesCast: count, for: count, against: count }).strict(), {
    eligible: 'eligible',
    tookPart: 'votesCast',
    for: 'for',
    against: 'against',
  }),
  record_decent_homes_bid: z
    .object({
      round: z.number().int().min(1).max(20),
      dwellings: count,
      borrowingApprovalPence: allocationPence,
      hraAllowancePence: allocationPence,
      buildingCostsModel: oneLine
        .optional()
        .meta({ description: 'the Building Costs Model (a document reference), required from round 3 on' }),
    })
    .strict(),
  agree_hra_arrangements: summary,
  list_central_services: z
    .object({
      services: z
        .array(centralServiceSchema)
        .min(1)
        .max(20)
        .refine(eachServiceOnce, 'each service appears once (name the `other` ones apart)'),
    })
    .strict(),
  approve_management_agreement: z.object({ reference: oneLine, termYears: z.number().int().min(1).max(30).optional() }).strict(),
  constitute_shadow_board: z
    .object({
      members: z
        .array(z.object({ name: oneLineName, place: z.enum(BOARD_PLACES) }).strict())
        .min(3)
        .max(30),
    })
    .strict(),
  complete_board_training: summary,
  confirm_operational_readiness: summary,
  submit_section_27_application: summary,
  record_section_27_decision: nothing,
  decide_after_section_27_refusal: minute,
  launch_almo: z.object({ goLiveDate: date }).strict(),
  schedule_inspection: z
    .object({
      inspectionDate: date,
      otherEvents: z
        .array(z.object({ kind: z.enum(OTHER_EVENT_KINDS), name: oneLineName, date }).strict())
        .max(50)
        .optional(),
    })
    .strict(),
  review_inspection_clash: z.object({ note: longText.optional() }).strict(),
  record_inspection_result: z
    .object({ stars: z.number().int().min(0).max(3), prospects: z.enum(INSPECTION_PROSPECTS), reportReference: oneLine })
    .strict(),
  decide_after_inspection: { byOutcome: { improvement_plan: minute.extend({ plan: longText }) }, otherwise: minute },
  review_management_agreement: nothing,
} satisfies TaskFormsOf<AlmoForms>;

const workingDays = z.number().int().min(1).max(365);
const months = z.number().int().min(1).max(120);
const policySection = z
  .object({
    councilStepWorkingDays: workingDays,
    supportRule: z.enum(SUPPORT_RULES),
    minimumTurnoutPercent: z.number().min(0).max(100),
    managementAgreementTermYears: z.number().int().min(1).max(30),
    section27DecisionWeeks: z.number().int().min(1).max(104),
    reviewNoticeMonths: months,
    inspectionEarliestMonths: months,
    inspectionLatestMonths: months,
    reinspectionMonths: months,
    inspectionFatigueDays: z.number().int().min(0).max(365),
    passingStars: z.number().int().min(0).max(3),
    buildingCostsModelFromRound: z.number().int().min(1).max(20),
  })
  .strict();

export const almoDefinition: ProcessDefinition = {
  kind: ALMO_KIND,
  name: 'ALMO establishment, from options appraisal to inspection',
  workflowType: 'almoEstablishment',
  start: {
    body: startBody,
    // PROCESSES.md: the council's programme office starts its processes.
    roles: ['programme_manager'],
    scope: (body: StartBody) => ({ council: body.council, groupKey: '' }),
    businessKey: (body: StartBody) => almoBusinessKey(body),
    stage: ALMO_STAGES.optionsAppraisal,
    input: (body: StartBody, { startedBy, policy, councilName }): AlmoStartInput => ({
      ...(councilName ? { councilName } : {}),
      council: body.council,
      almo: body.almo,
      stock: body.stock,
      startedBy,
      // Its SLA workstream runs the SLA process, under that process's section of the policy.
      policy: { ...ownPolicy<typeof ALMO_KIND, AlmoPolicy>(policy, ALMO_KIND), sla: policy.sla as SlaPolicy },
    }),
  },
  stages: Object.values(ALMO_STAGES),
  policy: {
    schema: policySection,
    defaults: { ...ALMO_POLICY_DEFAULTS },
    check: (section) => {
      if ((section.inspectionEarliestMonths as number) > (section.inspectionLatestMonths as number))
        return { field: 'inspectionEarliestMonths', message: 'the earliest inspection month comes before the latest' };
      if ((section.reviewNoticeMonths as number) >= (section.managementAgreementTermYears as number) * 12)
        return { field: 'reviewNoticeMonths', message: 'the review must open before the Management Agreement ends' };
      return undefined;
    },
  },
  taskKinds: ALMO_TASK_KINDS,
  taskForms,
  // The central services' leads negotiate their SLAs: each a service_lead of the council, as at an SLA's start.
  exports: { [ALMO_EXPORTS.originalTestOfOpinion]: { decisionOf: TEST_OF_OPINION_METHOD_TASK } },
  formNamedPeople: {
    list_central_services: (form: { services: { serviceLead: { userId: string } }[] }) => serviceLeadsNamed(form.services, ['services']),
  },
  rulesReport: (details, policy) => almoRulesReport(details as AlmoDetails, policy?.[ALMO_KIND] as AlmoPolicy | undefined),
  documents: {
    decision_record: 'the record of each decision: who, when, the outcome, reasons and details',
    options_appraisal_decision: "the cabinet's decision on the stock options appraisal (§2.1)",
    test_of_opinion_result_notice: "the result of the tenants' test of opinion (§2.2)",
    section_27_application_pack: 'the application for Section 27 consent, Housing Act 1985 (§2.5)',
    launch_notice: "the ALMO's launch and its Management Agreement's term (§2.6)",
    inspection_outcome: "the Housing Inspectorate's star rating and prospects (§2.8)",
    funding_release_letter: 'the release of the Decent Homes funding after Section 27 consent and the passing stars (§2.3, §2.8)',
    // Its SLA workstream's documents, from the SLA process it runs.
    sla_negotiation_brief: "each service's benchmark and value-for-money gap (PROCESSES.md §4.2)",
    service_level_agreement: 'the signed SLA of one central service (§4.5)',
    sla_retraction_notice: "the ALMO's notice that it buys a service elsewhere (§4.4)",
    sla_summary: 'the outcomes of the signed-off SLAs',
    sla_impact_report: 'the change in income to each council central service (§4.6)',
  },
};
