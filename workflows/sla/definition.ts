import { z } from 'zod';
import { councilSlug, oneLine, oneLineName, pence, reasonsText, userId } from '../../lib/field-schemas';
import { ownPolicy, type NamedPerson, type ProcessDefinition, type TaskFormsOf } from '../../lib/process-definition';
import {
  CENTRAL_SERVICES,
  DEADLOCK_FORUMS,
  SLA_KIND,
  SLA_OPENING,
  SLA_PURPOSES,
  SLA_STAGES,
  SLA_TASK_KINDS,
  requestRenegotiationUpdate,
  serviceKeyOf,
  slaBusinessKey,
  slaServiceOf,
  type SlaDetails,
  type SlaStartInput,
  type SlaForms,
} from './messages';
import { SLA_POLICY_DEFAULTS, type SlaPolicy } from './policy';
import { slaRulesReport } from './rules';

// SLA renegotiation between a council and its ALMO as the service sees it (PROCESSES.md §4): how it
// starts, its policy section, its task forms and its commands. Not part of the workflow bundle (zod).

const kpi = z.object({ measure: oneLine, target: oneLine }).strict();
const unitCost = z.number().int().min(1).max(100_000_000);
/** Terms in force may have no KPIs (§4: early SLAs often avoided quality control); proposed terms state them. */
const termsInForce = z
  .object({
    annualChargePence: pence,
    unitCostPence: unitCost,
    unit: oneLine.meta({ description: 'what a unit is, e.g. "hour of legal advice"' }),
    kpis: z.array(kpi).max(20),
  })
  .strict();
const proposedTerms = termsInForce.extend({ kpis: z.array(kpi).min(1).max(20) });

/** A central service of an SLA set, as a start body (or another process's form) lists it. */
export const centralServiceSchema = z
  .object({
    service: z.enum(CENTRAL_SERVICES),
    name: oneLineName.optional().meta({ description: "the service's name; required for `other`" }),
    serviceLead: z
      .object({ userId: userId.meta({ description: "the user id of the council's service_lead who negotiates it" }), name: oneLineName })
      .strict(),
    terms: termsInForce,
  })
  .strict()
  .refine((s) => s.service !== 'other' || s.name !== undefined, { message: 'an `other` service is named', path: ['name'] });

/** The service leads a list of services names (at `path` in the request): each must be a service_lead of the council. */
export const serviceLeadsNamed = (services: { serviceLead: { userId: string } }[], path: (string | number)[]): NamedPerson[] =>
  services.map((service, index) => ({
    path: [...path, index, 'serviceLead', 'userId'],
    userId: service.serviceLead.userId,
    role: 'service_lead' as const,
  }));

/** Each service once (the `other` ones named apart). */
export const eachServiceOnce = (services: z.infer<typeof centralServiceSchema>[]): boolean =>
  new Set(services.map((s) => serviceKeyOf(s.service, s.name))).size === services.length;

const startBody = z
  .object({
    kind: z.literal(SLA_KIND),
    council: councilSlug,
    almo: oneLineName.meta({ description: "the ALMO's name, e.g. CityWest Homes" }),
    purpose: z.enum(SLA_PURPOSES),
    opens: z
      .enum(SLA_OPENING)
      .default('now')
      .meta({ description: "`now`, or `ahead_of_expiry`: the policy's months before `currentExpiry`" }),
    currentExpiry: z.iso.date().optional().meta({ description: 'when the SLAs in force expire' }),
    services: z.array(centralServiceSchema).min(1).max(20),
  })
  .strict()
  .refine((b) => b.opens !== 'ahead_of_expiry' || b.currentExpiry !== undefined, {
    message: 'opening ahead of expiry needs the expiry date',
    path: ['currentExpiry'],
  })
  .refine((b) => eachServiceOnce(b.services), { message: 'each service appears once (name the `other` ones apart)', path: ['services'] });
type StartBody = z.infer<typeof startBody>;

const nothing = z.object({}).strict();
const qualityMeasure = z.object({ measure: oneLine, value: oneLine, benchmark: oneLine }).strict();
const deadlockDecision = z
  .object({
    forumMembers: oneLineName.meta({ description: 'who decided, e.g. "the chief executives of the council and the ALMO"' }),
    minuteReference: oneLine.optional(),
  })
  .strict();

/** Who signs (or asks for changes) for a side. */
const signatory = z
  .object({ signatory: oneLineName, post: oneLineName.meta({ description: 'e.g. "Chair of the board", "Director of Resources"' }) })
  .strict();

// What each kind of task asks for in `form`, checked against the form types the workflow reads (its
// messages' declaration): these give the caller the field-by-field errors and the API description.
const taskForms = {
  benchmark_service: {
    byOutcome: {
      benchmark: z
        .object({
          quartile: z.number().int().min(1).max(4),
          comparatorUnitCostPence: unitCost,
          qualityMeasures: z.array(qualityMeasure).min(1).max(20),
        })
        .strict(),
      market_test: z
        .object({
          quotes: z
            .array(z.object({ supplier: oneLineName, annualChargePence: pence, unitCostPence: unitCost }).strict())
            .min(1)
            .max(10),
          qualityMeasures: z.array(qualityMeasure).max(20).optional(),
        })
        .strict(),
    },
    otherwise: nothing,
  },
  propose_sla_terms: {
    byOutcome: { propose: z.object({ terms: proposedTerms }).strict(), retract: z.object({ buyingFrom: oneLineName.optional() }).strict() },
    otherwise: nothing,
  },
  respond_to_sla_proposal: { byOutcome: { counter: z.object({ terms: proposedTerms }).strict() }, otherwise: nothing },
  decide_sla_deadlock: {
    byOutcome: {
      revise: deadlockDecision.extend({ terms: proposedTerms }),
      retract: deadlockDecision.extend({ buyingFrom: oneLineName.optional() }),
    },
    otherwise: deadlockDecision,
  },
  sign_off_slas: {
    byOutcome: {
      request_changes: signatory.extend({
        service: oneLine.meta({ description: 'the key of the service whose terms are to be negotiated again (e.g. legal)' }),
      }),
    },
    otherwise: signatory,
  },
} satisfies TaskFormsOf<SlaForms>;

const months = z.number().int().min(1).max(120);
const workingDays = z.number().int().min(1).max(365);
const policySection = z
  .object({
    renegotiationMonthsBeforeExpiry: months,
    benchmarkWorkingDays: workingDays,
    responseWorkingDays: workingDays,
    maxRounds: z.number().int().min(1).max(10),
    retractionNoticeMonths: months,
    deadlockForum: z.enum(DEADLOCK_FORUMS),
    deadlockDecisionWorkingDays: workingDays,
    termMonths: months,
  })
  .strict();

export const slaDefinition: ProcessDefinition = {
  kind: SLA_KIND,
  name: 'SLA renegotiation between a council and its ALMO',
  workflowType: 'slaRenegotiation',
  start: {
    body: startBody,
    // §4.1: the council's programme office, or the ALMO board, starts it.
    roles: ['programme_manager', 'almo_board'],
    scope: (body: StartBody) => ({ council: body.council, groupKey: '' }),
    businessKey: (body: StartBody) => slaBusinessKey(body),
    stage: SLA_STAGES.awaitingNegotiation,
    input: (body: StartBody, { startedBy, policy, councilName }): SlaStartInput => ({
      ...(councilName ? { councilName } : {}),
      council: body.council,
      almo: body.almo,
      purpose: body.purpose,
      opens: body.opens,
      ...(body.currentExpiry ? { currentExpiry: body.currentExpiry } : {}),
      services: body.services.map(slaServiceOf),
      startedBy,
      policy: ownPolicy<typeof SLA_KIND, SlaPolicy>(policy, SLA_KIND),
    }),
    // Each service lead negotiates their service: their tasks are assigned to them.
    namedPeople: (body: StartBody) => serviceLeadsNamed(body.services, ['services']),
  },
  stages: Object.values(SLA_STAGES),
  policy: {
    schema: policySection,
    defaults: { ...SLA_POLICY_DEFAULTS },
    check: (section) =>
      (section.renegotiationMonthsBeforeExpiry as number) < (section.termMonths as number)
        ? undefined
        : { field: 'renegotiationMonthsBeforeExpiry', message: 'renegotiation must open before the SLAs expire (less than their term)' },
  },
  taskKinds: SLA_TASK_KINDS,
  taskForms,
  formStarts: {
    // A proposal starts from the terms in force, or from the council's counter-proposal it replies to.
    propose_sla_terms: (data: { current?: unknown; counterProposal?: unknown }, outcome) =>
      outcome === 'propose' ? { terms: data.counterProposal ?? data.current } : undefined,
    // A counter-proposal starts from the proposal it answers.
    respond_to_sla_proposal: (data: { proposal?: unknown }, outcome) => (outcome === 'counter' ? { terms: data.proposal } : undefined),
  },
  commands: [
    {
      path: 'renegotiation-requests',
      summary: 'Ask to renegotiate the SLAs now, before negotiation would open by itself (the council or the ALMO board)',
      body: z.object({ reasons: reasonsText }).strict(),
      roles: ['programme_manager', 'almo_board'],
      update: requestRenegotiationUpdate,
      input: (body: { reasons: string }, actor) => ({ actor, reasons: body.reasons }),
      response: z.object({ stage: z.string(), cycle: z.number() }),
    },
  ],
  events: { renegotiation_requested: 'a renegotiation asked for by the council or the ALMO board, with the reasons (§4.1)' },
  rulesReport: (details, policy) => slaRulesReport(details as SlaDetails, policy?.[SLA_KIND] as SlaPolicy | undefined),
  documents: {
    decision_record: 'the record of each decision: who, when, the outcome, reasons and details',
    sla_negotiation_brief: "each service's current charge, benchmark or market test and value-for-money gap (§4.2)",
    service_level_agreement: 'the signed SLA of one service: parties, charge, unit cost, KPIs, term, effective date (§4.5)',
    sla_retraction_notice: "the ALMO's notice that it buys a service elsewhere, with the notice period's end (§4.4)",
    sla_summary: 'the outcomes of a signed-off SLA set, its term and charges',
    sla_impact_report: "the change in income to each council central service, and the services bought elsewhere (§4.6, 'hollowing out')",
  },
};
