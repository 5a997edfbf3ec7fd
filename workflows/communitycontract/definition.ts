import { z } from 'zod';
import { count, councilSlug, longText, oneLine, oneLineName, pastDate, pence } from '../../lib/field-schemas';
import { ownPolicy, type ProcessDefinition, type TaskFormsOf } from '../../lib/process-definition';
import { groupKeyOf, organisationKeyOf } from '../common/process';
import {
  COMMUNITY_CONTRACT_KIND,
  CONTRACT_STAGES,
  CONTRACT_TASK_KINDS,
  ENGAGEMENT_METHODS,
  PARTNER_KINDS,
  PRIORITY_TOPICS,
  REPORT_OUTCOMES,
  RESIDENT_COMMITMENTS,
  communityContractBusinessKey,
  partnerOf,
  type CommunityContractDetails,
  type CommunityContractForms,
  type CommunityContractStartInput,
} from './messages';
import { COMMUNITY_CONTRACT_POLICY_DEFAULTS, type CommunityContractPolicy } from './policy';
import { contractRulesReport } from './rules';

// A community contract as the service sees it (PROCESSES.md §5): how it starts, its policy section,
// its task forms and its emails. Not part of the workflow bundle (zod).

const partner = z
  .object({
    organisation: oneLineName.meta({ description: 'e.g. "Northumbria Police"; its officers are granted the partner role for it' }),
    kind: z.enum(PARTNER_KINDS),
    actsForIt: oneLineName.meta({ description: 'who acts for it, as the contract names them' }),
  })
  .strict();

const startBody = z
  .object({
    kind: z.literal(COMMUNITY_CONTRACT_KIND),
    council: councilSlug,
    neighbourhood: oneLineName.meta({ description: 'e.g. "Plains Farm"' }),
    area: oneLine.meta({ description: 'the streets or estates it covers' }),
    group: oneLineName.meta({ description: "the residents' group that is party to it" }),
    partners: z.array(partner).min(1).max(12),
  })
  .strict()
  .refine((b) => new Set(b.partners.map((p) => organisationKeyOf(p.organisation))).size === b.partners.length, {
    message: 'each partner once',
    path: ['partners'],
  });
type StartBody = z.infer<typeof startBody>;

const nothing = z.object({}).strict();
const percent = z.number().int().min(0).max(100);
const workingDays = z.number().int().min(1).max(365);
const priorityName = oneLineName.optional().meta({ description: 'required for `other`' });
const namedWhenOther = <T extends { topic: string; name?: string | undefined }>(p: T) => p.topic !== 'other' || p.name !== undefined;

const standard = z
  .object({
    priority: oneLine.meta({ description: 'the key of an agreed priority, e.g. street_lighting' }),
    partner: oneLineName.meta({ description: 'the partner responsible, by its name in the contract' }),
    whatIsDone: oneLine,
    withinWorkingDays: workingDays.optional().meta({ description: 'measured: done within this many working days of a report' }),
    howOften: oneLine.optional().meta({ description: 'or measured: how often, e.g. "every week"' }),
    residentsCommit: z.array(z.enum(RESIDENT_COMMITMENTS)).max(RESIDENT_COMMITMENTS.length),
    whatResidentsDo: oneLine,
    redress: z
      .object({
        putRightWithinWorkingDays: workingDays,
        apology: z.boolean(),
        compensationUpToPence: pence.optional(),
      })
      .strict(),
  })
  .strict();

// What each kind of task asks for in `form`, checked against the form types the workflow reads.
const taskForms = {
  report_residents_priorities: z
    .object({
      engagement: z
        .array(z.object({ method: z.enum(ENGAGEMENT_METHODS), heldOn: pastDate, tookPart: count, heard: longText }).strict())
        .min(1)
        .max(50),
      priorities: z
        .array(
          z
            .object({ topic: z.enum(PRIORITY_TOPICS), name: priorityName, why: oneLine })
            .strict()
            .refine(namedWhenOther, 'name an `other` priority'),
        )
        .min(1)
        .max(10),
    })
    .strict(),
  agree_priorities: {
    byOutcome: {
      agree: z
        .object({
          agreedOn: pastDate,
          agreedWith: oneLine.meta({ description: 'who agreed them, e.g. "the police, Home Group and street services"' }),
          priorities: z
            .array(
              z
                .object({ topic: z.enum(PRIORITY_TOPICS), name: priorityName })
                .strict()
                .refine(namedWhenOther, 'name an `other` priority'),
            )
            .min(1)
            .max(10),
          baseline: z.object({ complaintsLastYear: count, satisfactionPercent: percent }).strict(),
        })
        .strict(),
    },
    otherwise: nothing,
  },
  set_standards: z.object({ standards: z.array(standard).min(1).max(50) }).strict(),
  sign_contract: {
    byOutcome: { sign: z.object({ signatory: oneLineName, post: oneLineName }).strict() },
    otherwise: nothing,
  },
  decide_refused_signature: nothing,
  report_on_standards: z
    .object({
      reports: z
        .array(
          z
            .object({
              standard: oneLine,
              outcome: z.enum(REPORT_OUTCOMES),
              whatHappened: oneLine.optional().meta({ description: 'required when missed' }),
              seenOn: pastDate.optional(),
            })
            .strict(),
        )
        .min(1)
        .max(50),
    })
    .strict(),
  acknowledge_redress_case: nothing,
  answer_redress_case: {
    byOutcome: {
      redress: z
        .object({ putRightOn: z.iso.date().optional(), apology: oneLine.optional(), compensationPaidPence: pence.optional() })
        .strict(),
    },
    otherwise: nothing,
  },
  decide_redress_dispute: nothing,
  confirm_redress: nothing,
  review_contract: z
    .object({
      complaintsThisYear: count,
      satisfactionPercent: percent,
      awarenessPercent: percent,
      howResidentsWereTold: oneLine.meta({ description: 'e.g. "a leaflet to every door and the residents\' newsletter"' }),
    })
    .strict(),
} satisfies TaskFormsOf<CommunityContractForms>;

const months = z.number().int().min(1).max(60);
const policySection = z
  .object({
    groupStepWorkingDays: workingDays,
    councilStepWorkingDays: workingDays,
    signingWorkingDays: workingDays,
    reportEveryMonths: months,
    reportWorkingDays: workingDays,
    reviewEveryMonths: months,
    stage1AcknowledgeWorkingDays: workingDays,
    stage1AnswerWorkingDays: workingDays,
    stage2AcknowledgeWorkingDays: workingDays,
    stage2AnswerWorkingDays: workingDays,
  })
  .strict();

export const communityContractDefinition: ProcessDefinition = {
  kind: COMMUNITY_CONTRACT_KIND,
  name: 'Community contract',
  workflowType: 'communityContract',
  start: {
    body: startBody,
    // A programme manager, or the residents' group itself (the source: residents and services together).
    roles: ['programme_manager', 'resident_rep'],
    scope: (body: StartBody) => ({ council: body.council, groupKey: groupKeyOf(body.group) }),
    businessKey: (body: StartBody) => communityContractBusinessKey(body),
    stage: CONTRACT_STAGES.gatheringPriorities,
    input: (body: StartBody, { startedBy, policy, councilName }): CommunityContractStartInput => ({
      ...(councilName ? { councilName } : {}),
      council: body.council,
      neighbourhood: body.neighbourhood,
      area: body.area,
      group: body.group,
      partners: body.partners.map(partnerOf),
      startedBy,
      policy: ownPolicy<typeof COMMUNITY_CONTRACT_KIND, CommunityContractPolicy>(policy, COMMUNITY_CONTRACT_KIND),
    }),
  },
  stages: Object.values(CONTRACT_STAGES),
  withdrawnBy: 'resident_rep',
  policy: {
    schema: policySection,
    defaults: { ...COMMUNITY_CONTRACT_POLICY_DEFAULTS },
    check: (section) =>
      (section.reviewEveryMonths as number) % (section.reportEveryMonths as number) === 0
        ? undefined
        : { field: 'reportEveryMonths', message: 'the champions report a whole number of times between reviews' },
  },
  taskKinds: CONTRACT_TASK_KINDS,
  taskForms,
  formStarts: {
    // A champions' report starts with a row for each standard; standards set again start from those in force.
    report_on_standards: (data: { standards?: { standard: string }[] }) => ({
      reports: (data.standards ?? []).map((s) => ({ standard: s.standard })),
    }),
    set_standards: (data: { current?: unknown[] }) => (data.current ? { standards: data.current } : undefined),
    agree_priorities: (data: { proposed?: { topic: string; name?: string }[] }, outcome) =>
      outcome === 'agree' && data.proposed
        ? { priorities: data.proposed.map(({ topic, name }) => ({ topic, ...(name ? { name } : {}) })) }
        : undefined,
  },
  events: {
    redress_case_opened: 'a standard reported missed by the community champions opens a redress case for the partner responsible',
    redress_case_stage_2: 'residents not satisfied at stage 1: the case goes to stage 2',
    redress_case_closed: 'a redress case closed: redress accepted, the dispute accepted, or referred to the Housing Ombudsman',
  },
  emails: {
    redress_case_opened: (process, facts) => ({
      subject: `Redress case ${String(facts.case)} opened: ${process.title}`,
      body: [
        `The community champions reported a standard missed by ${String(facts.partner)}: ${String(facts.reported)}.`,
        `${String(facts.partner)} acknowledges and answers it in the stages the contract sets.`,
      ],
    }),
    redress_case_closed: (process, facts) => ({
      subject: `Redress case ${String(facts.case)} closed: ${process.title}`,
      body: [`Redress case ${String(facts.case)} is closed: ${String(facts.closing)}.`],
    }),
  },
  rulesReport: (details, policy) =>
    contractRulesReport(details as CommunityContractDetails, policy?.[COMMUNITY_CONTRACT_KIND] as CommunityContractPolicy | undefined),
  documents: {
    decision_record: 'the record of each decision: who, when, the outcome, reasons and details',
    community_contract: 'the signed contract: parties, priorities, standards, what residents do and the redress for each (public)',
    contract_review_report:
      "a year's review: each standard's reports, redress cases and compensation, the measures against the start, the outcome (public)",
  },
};
