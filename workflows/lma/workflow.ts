import type { LmaActivities } from './activities';
import { CancellationScope, allHandlersFinished, condition, continueAsNew, isCancellation, patched, setHandler } from '@temporalio/workflow';
import { sleepUntil, workflowNow } from '../common/clock';
import { processFrame } from '../common/frame';
import { dateInWords, inPounds } from '../common/format';
import { DEFAULT_COMMON_POLICY, calendarDaysMs } from '../common/policy';
import { person, type Actor } from '../common/roles';
import { TASK_REFUSALS, formField, refuse, type DecisionRecord } from '../common/tasks';
import {
  LMA_KIND,
  LMA_STAGES,
  LMA_WITHDRAWN_BY,
  lmaBusinessKey,
  lmaGroupKey,
  requestVariationUpdate,
  type AgreementTerms,
  type LegalForm,
  type LmaDetails,
  type LmaStartInput,
  type LmaTermCarry,
  type ServiceTerms,
  type VariationRequestInput,
  type LmaTaskKind,
} from './messages';
import { LMA_POLICY_DEFAULTS } from './policy';
import { consultationSupports, draftedServices, outsideScope, signingRefusal, withoutQuotes } from './rules';

/** How the agreement names each signatory's capacity. */
const SIGNING_AS: Partial<Record<Actor['role'], string>> = { resident_rep: "for the residents' group", programme_manager: 'for the council' };

/** A variation as its tasks, emails and agreement name it: which one, why, asked for by whom. */
interface Variation {
  name: string;
  reasons: string;
  requestedBy?: Actor;
}

/** PROCESSES.md §1, Local Management Agreement: expression of interest to signed agreement, then a run per term. */
export async function localManagementAgreement(input: LmaStartInput): Promise<void> {
  // Processes started before the engine core (inbox, timeline, deadlines, notifications, documents)
  // replay without it; see test/histories/lma-v1-adviser-appointed.json.
  const withEngine = patched('engine-core');
  const policy = input.policy ?? { ...DEFAULT_COMMON_POLICY, lma: LMA_POLICY_DEFAULTS };
  const carry = input.carry;
  const frame = processFrame<LmaDetails, LmaTaskKind>({
    kind: LMA_KIND,
    council: input.council,
    groupKey: lmaGroupKey(input.group.name),
    title: `Local Management Agreement: ${input.group.name}, ${input.estate}`,
    businessKey: lmaBusinessKey(input),
    startedBy: input.startedBy,
    ...(carry ? { startedAt: carry.startedAt, keyPrefix: `t${carry.term}:` } : {}),
    stage: carry ? LMA_STAGES.operating : LMA_STAGES.adviserAppointment,
    policy,
    details: {
      estate: input.estate,
      group: { name: input.group.name, legalForm: carry?.legalForm ?? input.group.legalForm, ...(carry?.registration ? { registration: carry.registration } : {}) },
      services: input.services,
      // What the set-up recorded, as it recorded it; a carry from before the figures were carried says
      // only what its signed agreement proves (support was shown), never figures it does not have.
      ...(carry ? { adviser: carry.adviser, consultation: carry.consultation ?? { supported: true }, insurance: carry.insurance ?? { insuredBy: carry.insuredBy } } : {}),
      ...(carry?.training ? { training: carry.training } : {}),
    },
    withdrawnBy: LMA_WITHDRAWN_BY,
    withoutEngine: !withEngine,
  });
  const { details, tasks, moveTo, finish, processId, startedAt } = frame;

  // Variation requests during a term are queued here and taken up by the term's variation loop.
  let variationRequest: VariationRequestInput | undefined;
  let variations = 0;
  setHandler(
    requestVariationUpdate,
    async (request) => {
      variationRequest = request;
      variations += 1;
      details.variationInProgress = { number: variations, requestedBy: { ...person(request.actor), ...(request.actor.name ? { name: request.actor.name } : {}) }, reasons: request.reasons };
      await frame.engine?.event('variation_requested', `Variation ${variations} requested: ${request.reasons}`, request.actor, {
        action: 'process.request_variation',
        details: { reasons: request.reasons, variation: variations },
      });
      return { stage: frame.stage(), variation: variations };
    },
    {
      validator: (request) => {
        const stage = frame.stage();
        if (stage !== LMA_STAGES.operating && stage !== LMA_STAGES.annualReview) refuse(TASK_REFUSALS.notNow, `an agreement can be varied only while it is in operation (the process is at ${stage.replace(/_/g, ' ')})`);
        if (details.variationInProgress) refuse(TASK_REFUSALS.ruleViolation, `variation ${details.variationInProgress.number} is still being drafted and signed`);
        if (request?.actor?.role !== 'resident_rep' && request?.actor?.role !== 'housing_manager') refuse(TASK_REFUSALS.actorNotAllowed, 'the group or its housing manager asks for a variation');
        if (typeof request.reasons !== 'string' || request.reasons.trim() === '') refuse(TASK_REFUSALS.reasonRequired, 'reasons are required');
      },
    },
  );

  /** Steps 1-2: the expression of interest recorded; the council appoints an adviser (housing_manager). */
  const appointAdviser = async (): Promise<void> => {
    await frame.record('process_started', `Expression of interest from ${input.group.name}`, input.startedBy);
    await tasks.decide(
      {
        taskId: 'appoint-adviser',
        kind: 'appoint_adviser',
        title: "Appoint an adviser to the residents' group",
        role: 'housing_manager',
        outcomes: ['appoint'],
        requiredFormFields: ['adviserUserId', 'adviserName'],
        data: { estate: input.estate, group: input.group, services: input.services },
        ...(withEngine ? { dueInWorkingDays: policy.lma.adviserAppointmentWorkingDays } : {}),
      },
      async (decision) => {
        details.adviser = {
          userId: formField(decision, 'adviserUserId'),
          name: formField(decision, 'adviserName'),
          appointedBy: decision.actor,
          appointedAt: decision.decidedAt,
        };
        await moveTo(LMA_STAGES.outlinePlan, `Adviser appointed: ${details.adviser.name}`, decision.actor);
      },
    );
  };

  const groupStep = policy.lma.groupStepWorkingDays;
  const councilStep = policy.lma.councilStepWorkingDays;
  const later = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();

  /**
   * §1.9: legal services drafts the agreement; the group and a council signatory sign it. Redrafted on
   * request. A variation is named in its tasks (title and data), and so in their emails and timeline.
   */
  const draftAndSign = async (
    round0: string,
    /** What the draft starts from: the approved detailed plan, or the agreement in force for a variation. */
    startFrom: () => Partial<AgreementTerms> & { services: ServiceTerms[] },
    agreedScope: () => ServiceTerms[] | undefined,
    insured: () => boolean,
    variation?: Variation,
  ): Promise<{ terms: AgreementTerms; signedBy: Actor[] }> => {
    const what = variation ? `${variation.name} of the Community Cashback Agreement` : 'the Community Cashback Agreement';
    const why = variation ? { variation } : {};
    // A redraft starts from the draft the signatories asked to change.
    let previous: (Partial<AgreementTerms> & { services: ServiceTerms[] }) | undefined;
    for (let round = 1; ; round += 1) {
      let terms: AgreementTerms | undefined;
      const base = previous ?? startFrom();
      const text = (decision: DecisionRecord, field: 'groupResponsibilities' | 'councilResponsibilities') =>
        typeof decision.form[field] === 'string' ? (decision.form[field] as string) : (base[field] as string);
      await tasks.decide(
        {
          taskId: `draft-agreement-${round0}${round}`,
          kind: 'draft_agreement',
          title: variation ? `Draft ${what}: ${variation.reasons}` : `Draft ${what}`,
          role: 'legal_services',
          outcomes: ['approve'],
          // Only what the process does not know yet: the responsibilities of a first draft.
          requiredFormFields: (['groupResponsibilities', 'councilResponsibilities'] as const).filter((field) => base[field] === undefined),
          data: { agreedScope: agreedScope() ?? details.services, startsFrom: base, ...why },
          dueInWorkingDays: councilStep,
        },
        async (decision) => {
          terms = {
            services: draftedServices(base.services, decision.form.services as ServiceTerms[] | undefined, decision.form.removeServices as string[] | undefined),
            groupResponsibilities: text(decision, 'groupResponsibilities'),
            councilResponsibilities: text(decision, 'councilResponsibilities'),
          };
          details.agreement = { ...terms, signedBy: [] };
          previous = terms;
        },
        (attempt) =>
          draftedServices(base.services, attempt.form?.services as ServiceTerms[] | undefined, attempt.form?.removeServices as string[] | undefined).length === 0
            ? 'the agreement covers at least one service: list the services (there is no approved plan to start from), or remove fewer'
            : undefined,
      );
      const signers: { id: string; role: Actor['role']; title: string }[] = [
        { id: 'group', role: 'resident_rep', title: `Sign ${what} for the group` },
        { id: 'council', role: 'programme_manager', title: `Sign ${what} for the council` },
      ];
      let redraft: DecisionRecord | undefined;
      const signing = new CancellationScope();
      try {
        await signing.run(() =>
          Promise.all(
            signers.map((signer) =>
              tasks.decide(
                {
                  taskId: `sign-${signer.id}-${round0}${round}`,
                  kind: 'sign_agreement',
                  title: signer.title,
                  role: signer.role,
                  outcomes: ['sign', 'request_changes'],
                  data: { agreement: terms, ...why },
                  dueInWorkingDays: groupStep,
                },
                async (decision) => {
                  if (decision.outcome === 'request_changes') {
                    redraft = decision;
                    signing.cancel();
                  } else details.agreement?.signedBy.push({ ...decision.actor, ...(decision.actorName ? { name: decision.actorName } : {}) });
                },
                (attempt) => (attempt.outcome === 'sign' ? signingRefusal(details, agreedScope(), insured()) : undefined),
              ),
            ),
          ),
        );
      } catch (err) {
        if (!(isCancellation(err) && redraft)) throw err;
      }
      if (!redraft) return { terms: terms as AgreementTerms, signedBy: details.agreement?.signedBy ?? [] };
    }
  };

  /** The signed agreement as a document: everything §1.9 and the source list, as a council would send it. */
  const agreementDocument = (term: number, terms: AgreementTerms, termStart: string, paymentDates: string[], signedBy: Actor[], variation?: Variation & { number: number }) => {
    const total = terms.services.reduce((sum, s) => sum + s.annualPayment, 0);
    const key = variation === undefined ? `agreement:t${term}` : `agreement:t${term}:variation-${variation.number}`;
    const title = `Community Cashback Agreement, term ${term}${variation === undefined ? '' : `, variation ${variation.number}`}`;
    const termEnd = later(termStart, calendarDaysMs(policy.calendar, policy.lma.termDays));
    const group = details.group;
    const who = (actor: Actor) => `${actor.name ?? actor.userId}, ${SIGNING_AS[actor.role] ?? actor.role}`;
    return frame.document(key, 'agreement_signed', 'community_cashback_agreement', title, [
      {
        heading: 'Parties',
        lines: [
          `The council: ${input.councilName ?? input.council}`,
          `The residents' group: ${group.name} (${group.legalForm.replace(/_/g, ' ')}${group.registration ? `, registered as ${group.registration}` : ''}), ${input.estate}`,
        ],
      },
      ...(variation
        ? [
            {
              heading: 'This variation',
              lines: [
                `${variation.name}, asked for by ${variation.requestedBy ? who(variation.requestedBy) : 'the parties'}.`,
                `Why: ${variation.reasons}`,
                `It applies from the signing below to the end of term ${term} on ${dateInWords(termEnd)}.`,
              ],
            },
          ]
        : []),
      {
        heading: 'Type, scope and duration of the work',
        lines: [
          ...terms.services.flatMap((s) => [
            `${s.service.replace(/_/g, ' ')}: ${s.scope.join(', ')} (delivered by ${s.deliveryMode})`,
            ...(s.quotes ?? []).map((q) => `  quote: ${q.supplier}, ${inPounds(q.amountPence)}, ${dateInWords(q.date)}`),
          ]),
          `Duration: from ${dateInWords(termStart)} to ${dateInWords(termEnd)}`,
        ],
      },
      ...(details.training ? [{ heading: 'Training and help for the group', lines: [details.training] }] : []),
      {
        heading: 'Payment amount and payment dates',
        lines: paymentDates.length
          ? [`${inPounds(total)} a year, paid in ${paymentDates.length} instalments on:`, ...paymentDates.map(dateInWords)]
          : [`${inPounds(total)} a year, from the instalment after this variation to the end of the term, on the dates of the term's agreement`],
      },
      { heading: 'Specification', lines: terms.services.map((s) => `${s.service.replace(/_/g, ' ')}: ${s.standards}`) },
      { heading: 'Responsibilities of the group', lines: [terms.groupResponsibilities] },
      { heading: 'Responsibilities of the council', lines: [terms.councilResponsibilities] },
      {
        heading: 'Insurance and public liability',
        lines: [
          `Insured by: ${details.insurance?.insuredBy ?? 'to be confirmed'}`,
          ...(details.insurance?.cover ? [`Cover held: ${details.insurance.cover.map((c) => c.replace(/_/g, ' ')).join(', ')}`] : []),
          'The group must hold insurance and public liability cover for theft, damage and injury.',
        ],
      },
      { heading: 'Keeping receipts', lines: ['The group keeps receipts for everything it buys, and shows them to the council on request, to show the scheme is properly run.'] },
      { heading: 'Signed', lines: signedBy.map(who) },
    ]);
  };

  /** Steps 3-9: from the outline plan to the signed agreement. Returns undefined if the process ended. */
  const setUp = async (): Promise<{ terms: AgreementTerms; signedBy: Actor[] } | undefined> => {
    // §1.3 outline plan and the council's reply with indicative payments, changes requested any number of times.
    let notProvided: string[] = [];
    for (let round = 1; ; round += 1) {
      await tasks.decide(
        { taskId: `outline-plan-${round}`, kind: 'submit_outline_plan', title: 'Submit the outline plan', role: 'resident_rep', outcomes: ['submit'], requiredFormFields: ['summary'], data: { services: details.services }, dueInWorkingDays: groupStep },
      );
      const reply = await tasks.decide(
        {
          taskId: `outline-reply-${round}`,
          kind: 'reply_to_outline_plan',
          title: 'Reply to the outline plan with comments and indicative payments',
          role: 'housing_manager',
          outcomes: ['accept', 'request_changes'],
          data: { services: details.services },
          dueInWorkingDays: councilStep,
        },
        undefined,
        (attempt) =>
          attempt.outcome === 'accept' && typeof attempt.form?.indicativePayments !== 'object'
            ? 'LMA-R5: accepting an outline plan gives an indicative payment for each service (PROCESSES.md §1.3)'
            : undefined,
      );
      if (reply.outcome === 'accept') {
        details.indicativePayments = reply.form.indicativePayments as Record<string, number>;
        notProvided = (reply.form.notProvidedToday as string[] | undefined) ?? [];
        break;
      }
    }
    // §1.3: a service the council does not provide today needs a budget availability decision.
    if (notProvided.length > 0) {
      await moveTo(LMA_STAGES.budgetDecision, `Budget decision needed for: ${notProvided.join(', ')}`);
      const budget = await tasks.decide(
        {
          taskId: 'budget-availability',
          kind: 'budget_availability',
          title: `Decide whether a budget is available for ${notProvided.join(', ')}`,
          role: 'finance',
          outcomes: ['available', 'not_available'],
          reasonsRequiredFor: ['not_available'],
          data: { services: notProvided, indicativePayments: details.indicativePayments },
          dueInWorkingDays: councilStep,
        },
      );
      if (budget.outcome === 'not_available') details.services = details.services.filter((s) => !notProvided.includes(s.service));
      if (details.services.length === 0) {
        await finish(LMA_STAGES.noServices, 'completed', 'No budget for any of the services asked for', budget.actor);
        return undefined;
      }
    }
    // §1.4 test of local support.
    await moveTo(LMA_STAGES.testOfSupport, 'Outline plan agreed');
    await tasks.decide(
      { taskId: 'test-of-support', kind: 'report_test_of_support', title: 'Report the test of local support', role: 'resident_rep', outcomes: ['submit'], requiredFormFields: ['meetingsHeld', 'householdsContacted', 'skillsAssessment'], dueInWorkingDays: groupStep },
    );
    // §1.5 detailed plan and specification, within the agreed scope.
    await moveTo(LMA_STAGES.detailedPlan, 'Test of support reported');
    let plan: ServiceTerms[] | undefined;
    for (let round = 1; !plan; round += 1) {
      const submitted = await tasks.decide(
        { taskId: `detailed-plan-${round}`, kind: 'submit_detailed_plan', title: 'Submit the detailed plan and specification', role: 'resident_rep', outcomes: ['submit'], requiredFormFields: ['services'], data: { agreedScope: details.services }, dueInWorkingDays: groupStep },
        undefined,
        (attempt) => {
          const services = (attempt.form?.services as ServiceTerms[] | undefined) ?? [];
          const outside = outsideScope(services, details.services);
          if (outside.length) return `LMA-R4: the plan covers services outside the agreed scope: ${outside.join('; ')} (PROCESSES.md §1.2, partial scope)`;
          const unquoted = withoutQuotes(services);
          return unquoted.length ? `LMA-R6: a service a contractor delivers needs its contractor quotes: ${unquoted.join(', ')} (PROCESSES.md §1.5)` : undefined;
        },
      );
      const review = await tasks.decide(
        { taskId: `detailed-plan-review-${round}`, kind: 'approve_detailed_plan', title: 'Approve the detailed plan and specification', role: 'housing_manager', outcomes: ['approve', 'request_changes'], data: { plan: submitted.form.services }, dueInWorkingDays: councilStep },
      );
      if (review.outcome === 'approve') {
        plan = submitted.form.services as ServiceTerms[];
        if (typeof submitted.form.training === 'string') details.training = submitted.form.training;
      }
    }
    details.detailedPlan = plan;
    await moveTo(LMA_STAGES.preparingAgreement, 'Detailed plan approved');

    // §1.6-9 in parallel: insurance, consultation, formal body, the agreement. Signing waits for the rest.
    let insured = false;
    let notSupported: DecisionRecord | undefined;
    const preparing = new CancellationScope();
    const insurance = () =>
      tasks.decide(
        { taskId: 'insurance-and-safety', kind: 'confirm_insurance_and_safety', title: 'Confirm insurance and health & safety', role: 'housing_manager', outcomes: ['confirm'], requiredFormFields: ['insuredBy', 'cover', 'healthAndSafety'], dueInWorkingDays: councilStep },
        async (decision) => {
          details.insurance = { insuredBy: formField(decision, 'insuredBy'), cover: decision.form.cover as string[] };
          insured = true;
        },
      );
    const consultation = async () => {
      const opened = workflowNow();
      const closes = later(opened, calendarDaysMs(policy.calendar, policy.lma.consultationDays));
      await frame.document('consultation-notice', 'consultation', 'consultation_notice', 'Consultation of affected residents', [
        { heading: 'What is proposed', lines: [`${input.group.name} proposes to run these services under a Local Management Agreement:`, ...(plan ?? []).map((s) => `${s.service.replace(/_/g, ' ')}: ${s.scope.join(', ')}`)] },
        { heading: 'How to respond', lines: [`The consultation is open from ${dateInWords(opened)} until ${dateInWords(closes)}.`] },
      ]);
      await sleepUntil(closes);
      await tasks.decide(
        { taskId: 'consultation-result', kind: 'record_consultation_result', title: 'Record the result of the consultation of affected residents', role: 'housing_manager', outcomes: ['record'], requiredFormFields: ['for', 'against'], dueInWorkingDays: councilStep },
        async (decision) => {
          const votesFor = Number(decision.form.for);
          const against = Number(decision.form.against);
          const supported = consultationSupports(votesFor, against, policy.lma.supportThreshold);
          details.consultation = { for: votesFor, against, supported };
          if (!supported) {
            notSupported = decision;
            preparing.cancel();
          }
        },
      );
    };
    const formalBody = async () => {
      if (details.group.legalForm !== 'none') return;
      await tasks.decide(
        { taskId: 'formal-body', kind: 'register_formal_body', title: 'Constitute a formal body to run the service', role: 'resident_rep', outcomes: ['registered'], requiredFormFields: ['legalForm', 'reference'], dueInWorkingDays: groupStep },
        async (decision) => {
          details.group = { ...details.group, legalForm: formField(decision, 'legalForm') as LegalForm, registration: formField(decision, 'reference') };
        },
      );
    };
    try {
      const [, , , signed] = await preparing.run(() => Promise.all([insurance(), consultation(), formalBody(), draftAndSign('', () => ({ services: plan ?? [] }), () => plan, () => insured)]));
      return signed;
    } catch (err) {
      if (!(isCancellation(err) && notSupported)) throw err;
      const result = notSupported as DecisionRecord;
      await finish(LMA_STAGES.notSupported, 'completed', `The consultation did not show enough support (${String(result.form.for)} for, ${String(result.form.against)} against)`, result.actor);
      return undefined;
    }
  };

  /** §1.10-11: one term of operation, then the annual review's outcome. */
  const runTerm = async (term: number, termStart: string, terms: AgreementTerms, agreementDocumentId: string): Promise<void> => {
    const termMs = calendarDaysMs(policy.calendar, policy.lma.termDays);
    const termEnd = later(termStart, termMs);
    details.term = { number: term, start: termStart, end: termEnd };
    details.agreement = { ...terms, documentId: agreementDocumentId, signedBy: details.agreement?.signedBy ?? [] };
    await moveTo(LMA_STAGES.operating, `Term ${term} runs from ${termStart} to ${termEnd}`);

    // The terms in force: a variation signed during the term applies to the instalments after it.
    let current = terms;
    const instalments = policy.lma.paymentsPerTerm;
    const payments = async () => {
      for (let k = 0; k < instalments; k += 1) {
        const dueOn = later(termStart, Math.floor((k * termMs) / instalments));
        await sleepUntil(dueOn);
        const total = current.services.reduce((sum, s) => sum + s.annualPayment, 0);
        // The last instalment takes the pennies that do not divide evenly.
        const amount = k < instalments - 1 ? Math.floor(total / instalments) : total - Math.floor(total / instalments) * (instalments - 1);
        await frame.ownActivities<LmaActivities>().recordPaymentInstruction({ processId, council: input.council, term, instalment: k + 1, of: instalments, amountPence: amount, dueOn, payee: input.group.name });
      }
    };
    const reports = async () => {
      const periods = policy.lma.reportingPeriodsPerTerm;
      await Promise.all(
        Array.from({ length: periods - 1 }, async (_, i) => {
          await sleepUntil(later(termStart, Math.floor(((i + 1) * termMs) / periods)));
          await tasks.decide(
            {
              taskId: `report-t${term}-${i + 1}`,
              kind: 'submit_monitoring_report',
              title: `Monitoring report ${i + 1} of term ${term}, with receipts`,
              role: 'resident_rep',
              outcomes: ['submit'],
              requiredFormFields: ['summary'],
              dueInWorkingDays: groupStep,
              // §1.10: a late report escalates past the adviser (a housing manager) to the adviser's manager.
              escalateTo: 'programme_manager',
            },
          );
        }),
      );
    };
    let outcome = 'renew' as 'renew' | 'vary' | 'terminate';
    let termWorkDone = false;
    let reviewedTerms: AgreementTerms | undefined;
    const variationsDuringTerm = async () => {
      for (;;) {
        await condition(() => variationRequest !== undefined || termWorkDone);
        if (!variationRequest) return;
        const number = variations;
        variationRequest = undefined;
        const requested = details.variationInProgress;
        const varied = await draftAndSign(`t${term}-v${number}-`, () => current, () => details.detailedPlan ?? terms.services, () => true, {
          name: `Variation ${number}`,
          reasons: requested?.reasons ?? '',
          ...(requested ? { requestedBy: requested.requestedBy } : {}),
        });
        current = varied.terms;
        const document = await agreementDocument(term, current, termStart, [], varied.signedBy, {
          number,
          name: `Variation ${number}`,
          reasons: requested?.reasons ?? '',
          ...(requested ? { requestedBy: requested.requestedBy } : {}),
        });
        details.agreement = { ...current, documentId: document.documentId, signedBy: varied.signedBy };
        delete details.variationInProgress;
        await moveTo(frame.stage(), `Variation ${number} signed; it applies from now`);
      }
    };
    const review = async () => {
      await sleepUntil(later(termEnd, -calendarDaysMs(policy.calendar, policy.lma.annualReviewDaysBeforeEnd)));
      await moveTo(LMA_STAGES.annualReview, `Annual review of term ${term}`);
      const decision = await tasks.decide(
        {
          taskId: `annual-review-t${term}`,
          kind: 'annual_review',
          title: `Annual review of term ${term}: renew, vary or terminate`,
          role: 'housing_manager',
          outcomes: ['renew', 'vary', 'terminate'],
          reasonsRequiredFor: ['vary', 'terminate'],
          requiredFormFields: ['performance', 'satisfaction'],
          data: { agreement: terms, termEnd },
          dueInWorkingDays: councilStep,
        },
      );
      outcome = decision.outcome as typeof outcome;
      if (outcome === 'vary') {
        const varied = await draftAndSign(`t${term + 1}-`, () => current, () => details.detailedPlan ?? terms.services, () => true, {
          name: `Variation for term ${term + 1}`,
          reasons: decision.reasons ?? '',
          requestedBy: decision.actor,
        });
        reviewedTerms = varied.terms;
      }
      if (outcome === 'terminate') {
        await frame.document(`termination-notice:t${term}`, 'annual_review', 'termination_notice', 'Notice to residents: the Local Management Agreement ends', [
          { heading: 'Notice', lines: [`The agreement with ${input.group.name} for ${input.estate} ends on ${dateInWords(termEnd)}.`, 'From then the council provides these services again:', ...terms.services.map((s) => `${s.service.replace(/_/g, ' ')}: ${s.scope.join(', ')}`)] },
          { heading: 'Reasons', lines: [decision.reasons ?? ''] },
        ]);
      }
      await moveTo(LMA_STAGES.operating, `Annual review: ${outcome}`, decision.actor);
    };
    const variationsInFlight = variationsDuringTerm();
    await Promise.all([payments(), reports(), review()]);
    await sleepUntil(termEnd);
    termWorkDone = true;
    await variationsInFlight;
    const nextTerms = reviewedTerms ?? current;
    if (outcome === 'terminate') {
      await finish(LMA_STAGES.terminated, 'completed', `Agreement terminated at the end of term ${term}; the services return to the council`);
      return;
    }
    const paymentDates = Array.from({ length: instalments }, (_, k) => later(termEnd, Math.floor((k * termMs) / instalments)));
    // Each term has its agreement document: the same terms renewed, or the varied ones, with its dates.
    const document = await agreementDocument(term + 1, nextTerms, termEnd, paymentDates, details.agreement?.signedBy ?? []);
    await condition(allHandlersFinished);
    const next: LmaTermCarry = {
      term: term + 1,
      termStart: termEnd,
      agreement: nextTerms,
      agreementDocumentId: document.documentId,
      startedAt,
      adviser: details.adviser,
      legalForm: details.group.legalForm,
      insuredBy: details.insurance?.insuredBy ?? '',
      ...(details.consultation ? { consultation: details.consultation } : {}),
      ...(details.insurance ? { insurance: details.insurance } : {}),
      ...(details.group.registration ? { registration: details.group.registration } : {}),
      ...(details.training ? { training: details.training } : {}),
      decisionsBefore: (carry?.decisionsBefore ?? 0) + tasks.decisions.length,
      previousTerms: [...(carry?.previousTerms ?? []), { term, termStart, outcome }],
    };
    // A new run for the new term keeps the history bounded; the process id and timeline carry on.
    await continueAsNew<typeof localManagementAgreement>({ ...input, carry: next });
  };

  await frame.run(async () => {
    if (!carry) {
      await appointAdviser();
      // Processes that reached the outline plan before the rest of the process was built wait there,
      // as do processes started before the engine core, which the rest of the process needs.
      if (!withEngine || !patched('lma-full-process')) {
        await condition(() => false);
        return;
      }
      const signed = await setUp();
      if (!signed) return;
      const termStart = workflowNow();
      const termMs = calendarDaysMs(policy.calendar, policy.lma.termDays);
      const paymentDates = Array.from({ length: policy.lma.paymentsPerTerm }, (_, k) => later(termStart, Math.floor((k * termMs) / policy.lma.paymentsPerTerm)));
      const document = await agreementDocument(1, signed.terms, termStart, paymentDates, signed.signedBy);
      return runTerm(1, termStart, signed.terms, document.documentId);
    }
    return runTerm(carry.term, carry.termStart, carry.agreement, carry.agreementDocumentId);
  });
}
