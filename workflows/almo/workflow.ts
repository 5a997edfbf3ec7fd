import { CancellationScope, isCancellation, patched, setHandler } from '@temporalio/workflow';
import { sleepUntil, workflowNow } from '../common/clock';
import { processFrame } from '../common/frame';
import { calendarDateInWords, calendarDateOf, dateInWords, inPounds, startOfDate } from '../common/format';
import { dateMonthsLater, monthsLater } from '../common/policy';
import { formField, type DecisionRecord } from '../common/tasks';
import { slaServiceOf, slasSignedOffSignal, type SignedOffSlas, type SlaService } from '../sla/messages';
import { slaRenegotiation } from '../sla/workflow';
import {
  ALMO_KIND,
  ALMO_STAGES,
  READINESS_ITEMS,
  STOCK_OPTION_NAMES,
  STOCK_OPTIONS,
  TEST_OF_OPINION_METHODS,
  TEST_OF_OPINION_METHOD_TASK,
  managementAgreementEndedSignal,
  WORKSTREAMS,
  almoBusinessKey,
  type AlmoDetails,
  type AlmoStartInput,
  type BoardPlace,
  type Inspection,
  type ManagementAgreementEnded,
  type OtherEvent,
  type StockOption,
  type TestOfOpinionMethod,
  type Workstream,
  type AlmoTaskKind,
} from './messages';
import { bidProblem, clashesWith, launchRefusal, resultProblem, shadowBoardProblem, testOfOpinionSupports } from './rules';

const onDate = calendarDateInWords;

/**
 * PROCESSES.md §2, setting up an ALMO (source 004): the stock options appraisal, the tenants' test of
 * opinion, the Decent Homes bid, five set-up workstreams in parallel (the SLAs a child SLA process)
 * beside the Section 27 consent, the launch, inspection preparation, the Housing Inspectorate's
 * inspection and the release of the Decent Homes funding, then the Management Agreement's review.
 */
export async function almoEstablishment(input: AlmoStartInput): Promise<void> {
  const { policy } = input;
  const p = policy.almo;
  const council = input.councilName ?? input.council;
  const frame = processFrame<AlmoDetails, AlmoTaskKind>({
    kind: ALMO_KIND,
    council: input.council,
    groupKey: '',
    title: `ALMO establishment: ${input.almo} (${council})`,
    businessKey: almoBusinessKey(input),
    startedBy: input.startedBy,
    stage: ALMO_STAGES.optionsAppraisal,
    policy,
    // The ALMO's (shadow) board is party to its establishment, and to the SLAs negotiated in it.
    parties: ['almo_board'],

    details: {
      almo: input.almo,
      stock: input.stock,
      workstreams: Object.fromEntries(Object.entries(WORKSTREAMS).map(([key, w]) => [key, { name: w.name, owner: w.owner, done: false }])) as AlmoDetails['workstreams'],
      inspections: [],
      improvementPlans: [],
    },
  });
  const { details, tasks, moveTo, finish, processId } = frame;
  const step = p.councilStepWorkingDays;
  const parties = { heading: 'Parties', lines: [`The council: ${council}`, `The ALMO: ${input.almo}`, `The stock: ${input.stock.dwellings} dwellings, ${input.stock.leaseholders} leaseholders`] };
  /** Tasks that run beside the process's steps (a flagged clash): awaited, and their failure seen, before it ends. */
  const beside: Promise<unknown>[] = [];
  // §3.8: an options review bringing the service in-house ends the agreement, and with it what follows
  // launch. The process's cancellation reaches it too (runs from before kept it apart, and did not end).
  const afterLaunch = patched('after-launch-ends-with-process') ? frame.stepScope() : new CancellationScope();
  let agreementEnded: ManagementAgreementEnded | undefined;
  // The SLA workstream is done once its child's SLAs are signed off: told before that sign-off answers.
  const slasSignedOff = (signed: SignedOffSlas) => {
    details.slas = { effectiveFrom: signed.effectiveFrom, expiresOn: signed.expiresOn, services: signed.services, documentIds: signed.documentIds };
    details.workstreams.slas = { ...details.workstreams.slas, done: true, doneAt: details.workstreams.slas.doneAt ?? workflowNow(), detail: `signed off for ${signed.services.length} service(s), ${inPounds(signed.totalAfterPence)} a year, to ${dateInWords(signed.expiresOn)}` };
  };
  setHandler(slasSignedOffSignal, slasSignedOff);
  setHandler(managementAgreementEndedSignal, (ended) => {
    if (agreementEnded || !details.managementAgreement) return;
    agreementEnded = ended;
    details.managementAgreement.endedBy = ended;
    if (details.launch) afterLaunch.cancel();
  });

  const workstreamDone = async (workstream: Workstream, detail: string, actor?: DecisionRecord['actor']) => {
    details.workstreams[workstream] = { ...details.workstreams[workstream], done: true, doneAt: details.workstreams[workstream].doneAt ?? workflowNow(), detail };
    await frame.note(`Workstream done: ${details.workstreams[workstream].name} (${detail})`, actor);
  };

  /** §2.1: the cabinet's decision on the stock options; only an ALMO goes on. */
  const appraisal = async (): Promise<boolean> => {
    await frame.record('process_started', `Establishing ${input.almo}: ${input.stock.dwellings} dwellings, ${input.stock.leaseholders} leaseholders`, input.startedBy);
    const decision = await tasks.decide(
      {
        taskId: 'options-appraisal',
        kind: 'decide_stock_option',
        title: 'Record the cabinet decision on the stock options appraisal',
        role: 'cabinet',
        outcomes: [...STOCK_OPTIONS],
        reasonsRequiredFor: [...STOCK_OPTIONS],
        requiredFormFields: ['minuteReference'],
        data: { options: STOCK_OPTION_NAMES, stock: input.stock },
        dueInWorkingDays: step,
      },
      async (d) => {
        details.appraisal = { option: d.outcome as StockOption, reasons: d.reasons ?? '', minuteReference: formField(d, 'minuteReference'), decidedBy: d.actor, decidedAt: d.decidedAt };
      },
    );
    const option = decision.outcome as StockOption;
    await frame.document('options-appraisal-decision', 'options_appraisal', 'options_appraisal_decision', `Stock options appraisal: the cabinet decision (${council})`, [
      parties,
      { heading: 'Options appraised', lines: STOCK_OPTIONS.map((o) => STOCK_OPTION_NAMES[o]) },
      { heading: 'Decision', lines: [`The cabinet chose ${STOCK_OPTION_NAMES[option]}.`, `Minute: ${details.appraisal?.minuteReference}`, `Recorded by ${decision.actorName ?? decision.actor.userId} on ${dateInWords(decision.decidedAt)}`] },
      { heading: 'Reasons', lines: [decision.reasons ?? ''] },
    ]);
    if (option !== 'almo') {
      await finish(ALMO_STAGES.otherOptionChosen, 'completed', `The cabinet chose ${STOCK_OPTION_NAMES[option]}: ${decision.reasons ?? ''}`, decision.actor);
      return false;
    }
    await moveTo(ALMO_STAGES.testOfOpinion, 'The cabinet chose an ALMO; tenants are asked', decision.actor);
    return true;
  };

  /** §2.2: an Independent Tenants Adviser, the method (recorded for ever), the result against the council's rule. */
  const testOfOpinion = async (): Promise<boolean> => {
    const test: NonNullable<AlmoDetails['testOfOpinion']> = {};
    details.testOfOpinion = test;
    await Promise.all([
      tasks.decide(
        { taskId: 'tenants-adviser', kind: 'appoint_tenants_adviser', title: 'Appoint an Independent Tenants Adviser', role: 'programme_manager', outcomes: ['appoint'], requiredFormFields: ['adviser', 'organisation'], dueInWorkingDays: step },
        async (d) => {
          test.adviser = { name: formField(d, 'adviser'), organisation: formField(d, 'organisation') };
        },
      ),
      tasks.decide(
        {
          taskId: TEST_OF_OPINION_METHOD_TASK,
          kind: 'choose_test_of_opinion_method',
          title: "Choose how tenants' opinion is tested",
          role: 'programme_manager',
          outcomes: [...TEST_OF_OPINION_METHODS],
          data: { note: 'The method is recorded for ever: a later options review must be at least as comprehensive (a ballot then needs a ballot).' },
          dueInWorkingDays: step,
        },
        async (d) => {
          test.method = d.outcome as TestOfOpinionMethod;
          if (typeof d.form.description === 'string') test.description = d.form.description;
        },
        (attempt) => (attempt.outcome === 'other' && !(typeof attempt.form?.description === 'string' && attempt.form.description.trim()) ? 'ALMO-R1: another method of testing opinion is described (PROCESSES.md §2.2)' : undefined),
      ),
    ]);
    const ballot = test.method === 'ballot';
    const result = await tasks.decide(
      {
        taskId: 'test-of-opinion-result',
        kind: 'record_test_of_opinion_result',
        title: ballot ? 'Certify the result of the tenants’ ballot' : `Record the result of the tenants’ ${test.method === 'survey' ? 'survey' : 'test of opinion'}`,
        // §2.2: a ballot is overseen, and its result certified, by an independent scrutineer.
        role: ballot ? 'scrutineer' : 'programme_manager',
        outcomes: ['record'],
        requiredFormFields: ['eligible', 'votesCast', 'for', 'against'],
        data: { method: test.method, rule: p.supportRule, minimumTurnoutPercent: p.minimumTurnoutPercent },
        dueInWorkingDays: step,
      },
      async (d) => {
        const figures = { eligible: Number(d.form.eligible), votesCast: Number(d.form.votesCast), for: Number(d.form.for), against: Number(d.form.against) };
        test.result = { ...figures, ...testOfOpinionSupports(figures, p.supportRule, p.minimumTurnoutPercent), rule: p.supportRule, recordedBy: d.actor, recordedAt: d.decidedAt };
      },
      (attempt) => resultProblem(attempt.form),
    );
    const r = test.result;
    if (!r) throw new Error('the test of opinion result was not recorded');
    const outcome = r.supported ? 'Tenants support the ALMO.' : 'Tenants do not support the ALMO: the process ends here.';
    await frame.document('test-of-opinion-result', 'test_of_opinion', 'test_of_opinion_result_notice', `Result of the tenants' test of opinion: ${input.almo}`, [
      parties,
      { heading: 'How tenants were asked', lines: [`Method: ${test.method}${test.description ? ` (${test.description})` : ''}`, `Independent Tenants Adviser: ${test.adviser?.name}, ${test.adviser?.organisation}`, ...(ballot ? [`Certified by the scrutineer ${result.actorName ?? result.actor.userId}`] : [])] },
      { heading: 'Result', lines: [`${r.for} for, ${r.against} against, of ${r.votesCast} votes cast by ${r.eligible} eligible (turnout ${r.turnoutPercent}%)`, `Rule: ${r.rule.replace(/_/g, ' ')}${p.minimumTurnoutPercent ? `, turnout at least ${p.minimumTurnoutPercent}%` : ''}`, outcome] },
    ]);
    if (!r.supported) {
      await finish(ALMO_STAGES.notSupported, 'completed', `Tenants did not support the ALMO: ${r.for} for, ${r.against} against (turnout ${r.turnoutPercent}%)`, result.actor);
      return false;
    }
    await moveTo(ALMO_STAGES.decentHomesBid, `Tenants support the ALMO: ${r.for} for, ${r.against} against`, result.actor);
    return true;
  };

  /** §2.3: the Decent Homes bid and its provisional allocation, with the conditions on the funding. */
  const bid = async (): Promise<void> => {
    await tasks.decide(
      {
        taskId: 'decent-homes-bid',
        kind: 'record_decent_homes_bid',
        title: 'Record the Decent Homes bid and its provisional allocation',
        role: 'finance',
        outcomes: ['record'],
        requiredFormFields: ['round', 'dwellings', 'borrowingApprovalPence', 'hraAllowancePence'],
        data: { buildingCostsModelFromRound: p.buildingCostsModelFromRound },
        dueInWorkingDays: step,
      },
      async (d) => {
        details.decentHomes = {
          round: Number(d.form.round),
          dwellings: Number(d.form.dwellings),
          borrowingApprovalPence: Number(d.form.borrowingApprovalPence),
          hraAllowancePence: Number(d.form.hraAllowancePence),
          ...(typeof d.form.buildingCostsModel === 'string' ? { buildingCostsModel: d.form.buildingCostsModel } : {}),
          conditions: { section27Consent: 'outstanding', twoStarInspection: 'outstanding' },
        };
        await moveTo(ALMO_STAGES.setUp, `Decent Homes bid, round ${String(d.form.round)}: provisional allocation recorded; set-up begins`, d.actor);
      },
      (attempt) => bidProblem(attempt.form, p),
    );
  };

  /** §2.4-2.6: the five workstreams and the Section 27 consent in parallel; launch once all are done. */
  const setUp = async (): Promise<boolean> => {
    const hra = async () => {
      const agreed = await Promise.all(
        (['finance', 'almo_board'] as const).map((role) =>
          tasks.decide(
            { taskId: `hra-${role.replace('_', '-')}`, kind: 'agree_hra_arrangements', title: `Agree the HRA arrangements (${role === 'finance' ? 'council finance' : 'ALMO board'})`, role, outcomes: ['agree'], requiredFormFields: ['summary'], dueInWorkingDays: step },
            async (d) => {
              details.hra = { ...details.hra, [role === 'finance' ? 'finance' : 'almoBoard']: formField(d, 'summary') };
            },
          ),
        ),
      );
      await workstreamDone('hra', 'agreed by finance and the ALMO board', agreed[1]?.actor);
    };
    const slas = async () => {
      const listed = await tasks.decide(
        { taskId: 'central-services', kind: 'list_central_services', title: 'List the central services the ALMO will buy under SLAs', role: 'programme_manager', outcomes: ['submit'], requiredFormFields: ['services'], dueInWorkingDays: step },
        undefined,
        (attempt) => (Array.isArray(attempt.form?.services) && attempt.form.services.length > 0 ? undefined : 'ALMO-R6: the SLA workstream lists at least one central service (PROCESSES.md §2.4b)'),
      );
      const services: SlaService[] = (listed.form.services as Parameters<typeof slaServiceOf>[0][]).map(slaServiceOf);
      // §2.4b: the SLA process negotiates the first agreements, as a child of this one.
      const sla = await frame.startChild(slaRenegotiation, `${processId}:sla`, {
        council: input.council,
        ...(input.councilName ? { councilName: input.councilName } : {}),
        almo: input.almo,
        purpose: 'first_agreement',
        opens: 'now',
        services,
        startedBy: listed.actor,
        policy: { calendar: policy.calendar, reminderWorkingDaysBefore: policy.reminderWorkingDaysBefore, escalation: policy.escalation, sla: policy.sla },
        parent: frame.ref,
      });
      const signed = await sla.result();
      if (!signed) throw new Error('the SLA process ended without signed-off SLAs');
      slasSignedOff(signed);
      await workstreamDone('slas', details.workstreams.slas.detail ?? 'signed off');
    };
    const managementAgreement = async () => {
      const approved = await tasks.decide(
        {
          taskId: 'management-agreement',
          kind: 'approve_management_agreement',
          title: 'Draft and approve the Management Agreement',
          role: 'legal_services',
          outcomes: ['approve'],
          requiredFormFields: ['reference'],
          data: { defaultTermYears: p.managementAgreementTermYears },
          dueInWorkingDays: step,
        },
        async (d) => {
          details.managementAgreement = { reference: formField(d, 'reference'), termYears: typeof d.form.termYears === 'number' ? d.form.termYears : p.managementAgreementTermYears, approvedBy: d.actor };
        },
      );
      await workstreamDone('managementAgreement', `approved, ${details.managementAgreement?.termYears}-year term`, approved.actor);
    };
    const shadowBoard = async () => {
      await tasks.decide(
        { taskId: 'shadow-board', kind: 'constitute_shadow_board', title: 'Constitute the shadow board', role: 'programme_manager', outcomes: ['constitute'], requiredFormFields: ['members'], data: { leaseholders: input.stock.leaseholders }, dueInWorkingDays: step },
        async (d) => {
          details.shadowBoard = { members: d.form.members as { name: string; place: BoardPlace }[] };
        },
        (attempt) => shadowBoardProblem(attempt.form?.members as { place?: unknown }[] | undefined, input.stock.leaseholders),
      );
      const trained = await tasks.decide(
        { taskId: 'board-training', kind: 'complete_board_training', title: 'Record the shadow board’s training', role: 'almo_board', outcomes: ['done'], requiredFormFields: ['summary'], dueInWorkingDays: step },
        async (d) => {
          if (details.shadowBoard) details.shadowBoard.training = formField(d, 'summary');
        },
      );
      await workstreamDone('shadowBoard', `${details.shadowBoard?.members.length} members, trained`, trained.actor);
    };
    const readiness = async () => {
      await Promise.all(
        (Object.entries(READINESS_ITEMS) as [keyof typeof READINESS_ITEMS, string][]).map(([item, name]) =>
          tasks.decide(
            { taskId: `readiness-${item.replace('_', '-')}`, kind: 'confirm_operational_readiness', title: `Confirm operational readiness: ${name}`, role: 'housing_manager', outcomes: ['ready'], requiredFormFields: ['summary'], dueInWorkingDays: step },
            async (d) => {
              details.readiness = { ...details.readiness, [item]: formField(d, 'summary') };
            },
          ),
        ),
      );
      await workstreamDone('operationalReadiness', 'staff transfer, IT, offices and branding ready');
    };
    let ended: DecisionRecord | undefined;
    const scope = new CancellationScope();
    const section27 = async () => {
      for (let n = 1; ; n += 1) {
        const submitted = await tasks.decide(
          { taskId: `section-27-application-${n}`, kind: 'submit_section_27_application', title: n === 1 ? 'Apply for Section 27 consent' : `Apply again for Section 27 consent (application ${n})`, role: 'programme_manager', outcomes: ['submit'], requiredFormFields: ['summary'], dueInWorkingDays: step },
        );
        const pack = await frame.document(`section-27-pack-${n}`, 'section_27', 'section_27_application_pack', `Section 27 application (Housing Act 1985): ${input.almo}${n > 1 ? `, application ${n}` : ''}`, [
          parties,
          { heading: 'The application', lines: [formField(submitted, 'summary')] },
          { heading: 'Stock options appraisal', lines: [`The cabinet chose an ALMO (minute ${details.appraisal?.minuteReference}): ${details.appraisal?.reasons}`] },
          { heading: "Tenants' test of opinion", lines: [`${details.testOfOpinion?.method}: ${details.testOfOpinion?.result?.for} for, ${details.testOfOpinion?.result?.against} against, turnout ${details.testOfOpinion?.result?.turnoutPercent}%`] },
          {
            heading: 'Decent Homes bid',
            lines: [
              `Round ${details.decentHomes?.round}, ${details.decentHomes?.dwellings} dwellings`,
              `Borrowing approval ${inPounds(details.decentHomes?.borrowingApprovalPence ?? 0)}; HRA allowance ${inPounds(details.decentHomes?.hraAllowancePence ?? 0)}`,
              ...(details.decentHomes?.buildingCostsModel ? [`Building Costs Model: ${details.decentHomes.buildingCostsModel}`] : []),
            ],
          },
          { heading: 'Set-up workstreams', lines: Object.values(details.workstreams).map((w) => `${w.name}: ${w.done ? `done (${w.detail})` : 'in hand'}`) },
        ]);
        details.section27 = { applications: n, documentId: pack.documentId };
        // §2.5 [7.1]: delays are common; chased before, and escalated at, the policy's weeks.
        const decision = await tasks.decide(
          {
            taskId: `section-27-decision-${n}`,
            kind: 'record_section_27_decision',
            title: `Record the Secretary of State's decision on Section 27 consent${n > 1 ? ` (application ${n})` : ''}`,
            role: 'liaison',
            outcomes: ['granted', 'refused'],
            reasonsRequiredFor: ['refused'],
            data: { applicationPack: pack.documentId },
            dueInWorkingDays: p.section27DecisionWeeks * 5,
            escalateTo: 'programme_manager',
          },
        );
        details.section27 = { applications: n, documentId: pack.documentId, decision: decision.outcome as 'granted' | 'refused', decidedAt: decision.decidedAt, ...(decision.reasons ? { reasons: decision.reasons } : {}) };
        if (decision.outcome === 'granted') {
          if (details.decentHomes) details.decentHomes.conditions.section27Consent = 'met';
          await frame.note('Section 27 consent granted', decision.actor);
          return;
        }
        const next = await tasks.decide(
          {
            taskId: `section-27-refused-${n}`,
            kind: 'decide_after_section_27_refusal',
            title: 'Section 27 consent was refused: end the programme, or apply again',
            role: 'cabinet',
            outcomes: ['end_programme', 'apply_again'],
            reasonsRequiredFor: ['end_programme', 'apply_again'],
            requiredFormFields: ['minuteReference'],
            data: { refusal: decision.reasons },
            dueInWorkingDays: step,
          },
        );
        if (next.outcome === 'end_programme') {
          ended = next;
          scope.cancel();
          return;
        }
      }
    };
    const launch = () =>
      tasks.decide(
        {
          taskId: 'launch',
          kind: 'launch_almo',
          title: `Launch ${input.almo}`,
          role: 'programme_manager',
          outcomes: ['launch'],
          requiredFormFields: ['goLiveDate'],
          data: { rule: 'ALMO-R4: launch needs every set-up workstream done and Section 27 consent (PROCESSES.md §2.4-2.6)' },
        },
        async (d) => {
          details.launch = { goLiveDate: formField(d, 'goLiveDate'), launchedBy: d.actor, launchedAt: d.decidedAt };
        },
        (attempt) => launchRefusal(details, attempt.form?.goLiveDate),
      );
    try {
      await scope.run(() => Promise.all([hra(), slas(), managementAgreement(), shadowBoard(), readiness(), section27(), launch()]));
      return true;
    } catch (err) {
      if (!(isCancellation(err) && ended)) throw err;
      const end = ended;
      await finish(ALMO_STAGES.section27Refused, 'completed', `Section 27 consent refused; the council ended the programme: ${end.reasons ?? ''}`, end.actor);
      return false;
    }
  };

  /** §2.7-2.8: the inspection (and any re-inspection) until the funding is released or the council withdraws. */
  const inspections = async (goLiveDate: string): Promise<void> => {
    let expected = { from: dateMonthsLater(goLiveDate, p.inspectionEarliestMonths), to: dateMonthsLater(goLiveDate, p.inspectionLatestMonths) };
    for (let round = 1; ; round += 1) {
      await moveTo(ALMO_STAGES.inspection, round === 1 ? 'Inspection preparation' : `Re-inspection ${round - 1} preparation`);
      let inspection: Inspection | undefined;
      await tasks.decide(
        {
          taskId: `inspection-${round}-date`,
          kind: 'schedule_inspection',
          title: `${round === 1 ? 'Record the inspection date' : 'Record the re-inspection date'} and the other audits and inspections of ${input.almo}`,
          role: 'liaison',
          outcomes: ['schedule'],
          requiredFormFields: ['inspectionDate'],
          data: { expected, fatigueWindowDays: p.inspectionFatigueDays },
          dueInWorkingDays: step,
        },
        async (d) => {
          const date = formField(d, 'inspectionDate');
          const otherEvents = (d.form.otherEvents as OtherEvent[] | undefined) ?? [];
          inspection = { round, date, expected, outsideExpectedWindow: date < expected.from || date > expected.to, otherEvents, clashes: clashesWith(date, otherEvents, p.inspectionFatigueDays) };
          details.inspections.push(inspection);
        },
        (attempt) => {
          // An inspection of the ALMO follows its launch, and a re-inspection the inspection before it.
          const after = details.inspections.at(-1)?.date ?? goLiveDate;
          const date = attempt.form?.inspectionDate;
          return typeof date === 'string' && date < after ? `the ${round === 1 ? 'inspection' : 're-inspection'} cannot be before ${round === 1 ? `the launch on ${onDate(goLiveDate)}` : `the inspection on ${onDate(after)}`}` : undefined;
        },
      );
      const current = inspection as Inspection;
      if (current.clashes.length) {
        // §2.7 [9.1] "inspection fatigue": flagged to the programme manager, beside the inspection.
        const clashes = current.clashes.map((c) => `${c.name} (${c.kind.replace(/_/g, ' ')}) on ${onDate(c.date)}, ${c.daysApart} days apart`).join('; ');
        await frame.note(`Inspection fatigue: the inspection on ${onDate(current.date)} is within ${p.inspectionFatigueDays} days of ${clashes}`);
        const flagged = tasks.decide(
          { taskId: `inspection-${round}-clash`, kind: 'review_inspection_clash', title: `Inspection fatigue: the inspection on ${onDate(current.date)} clashes with ${current.clashes.map((c) => c.name).join(', ')}`, role: 'programme_manager', outcomes: ['noted', 'dates_moved'], data: { inspectionDate: current.date, clashes: current.clashes }, dueInWorkingDays: step },
        );
        beside.push(flagged);
        void flagged.catch(() => undefined);
      }
      const result = await tasks.decide(
        {
          taskId: `inspection-${round}-result`,
          kind: 'record_inspection_result',
          title: `Record the Housing Inspectorate's result of the inspection on ${onDate(current.date)}`,
          role: 'liaison',
          outcomes: ['record'],
          requiredFormFields: ['stars', 'prospects', 'reportReference'],
          data: { inspectionDate: current.date, passingStars: p.passingStars },
        },
        async (d) => {
          current.result = { stars: Number(d.form.stars), prospects: formField(d, 'prospects'), reportReference: formField(d, 'reportReference'), recordedBy: d.actor, recordedAt: d.decidedAt };
        },
        (attempt) => {
          // A result cannot be recorded (nor its outcome dated) before the inspection took place.
          if (calendarDateOf(workflowNow()) < current.date) return `the inspection is on ${onDate(current.date)}: its result can be recorded from that day`;
          return Number.isInteger(attempt.form?.stars) && (attempt.form?.stars as number) >= 0 && (attempt.form?.stars as number) <= 3 ? undefined : 'ALMO-R5: an inspection result is a star rating from 0 to 3 (PROCESSES.md §2.8)';
        },
      );
      const stars = current.result?.stars ?? 0;
      const passed = stars >= p.passingStars;
      await frame.document(`inspection-outcome-${round}`, 'inspection', 'inspection_outcome', `Housing Inspectorate inspection of ${input.almo}${round > 1 ? ` (re-inspection ${round - 1})` : ''}`, [
        parties,
        { heading: 'Inspection', lines: [`Date: ${onDate(current.date)}`, `Report: ${current.result?.reportReference}`, ...(current.outsideExpectedWindow && round === 1 ? [`Outside the expected window of ${onDate(expected.from)} to ${onDate(expected.to)}`] : [])] },
        { heading: 'Result', lines: [`${stars} star${stars === 1 ? '' : 's'}; prospects for improvement: ${current.result?.prospects}`, passed ? 'The Decent Homes funding is released.' : `Below ${p.passingStars} stars: an improvement plan and a re-inspection, or the council withdraws from the programme.`] },
        { heading: 'Recorded', lines: [`by ${result.actorName ?? result.actor.userId} on ${dateInWords(result.decidedAt)}`] },
      ]);
      const bidNow = details.decentHomes;
      if (passed && bidNow) {
        const total = bidNow.borrowingApprovalPence + bidNow.hraAllowancePence;
        bidNow.conditions.twoStarInspection = 'met';
        bidNow.released = { at: workflowNow(), totalPence: total };
        await frame.document('funding-release-letter', 'inspection', 'funding_release_letter', `Decent Homes funding released: ${input.almo}`, [
          parties,
          {
            heading: 'Funding released',
            lines: [
              `The Decent Homes funding of round ${bidNow.round} is released: ${inPounds(total)} in all.`,
              `Borrowing approval: ${inPounds(bidNow.borrowingApprovalPence)}`,
              `HRA allowance: ${inPounds(bidNow.hraAllowancePence)}`,
              `For ${bidNow.dwellings} dwellings.`,
            ],
          },
          { heading: 'Conditions met', lines: [`Section 27 consent granted on ${dateInWords(details.section27?.decidedAt ?? '')}`, `Housing Inspectorate: ${stars} stars (inspection of ${onDate(current.date)})`] },
        ]);
        // §2.8: released, the letter written, and those who act on the money told.
        await moveTo(ALMO_STAGES.operating, `${stars} stars: the Decent Homes funding of ${inPounds(total)} is released`, result.actor, ['finance', 'almo_board', 'programme_manager']);
        return;
      }
      const next = await tasks.decide(
        {
          taskId: `inspection-${round}-decision`,
          kind: 'decide_after_inspection',
          title: `${stars} star${stars === 1 ? '' : 's'}: an improvement plan and a re-inspection, or withdraw from the programme`,
          role: 'cabinet',
          outcomes: ['improvement_plan', 'withdraw_from_programme'],
          reasonsRequiredFor: ['withdraw_from_programme'],
          requiredFormFields: ['minuteReference'],
          data: { stars, reinspectionExpected: dateMonthsLater(current.date, p.reinspectionMonths) },
          dueInWorkingDays: step,
        },
        undefined,
        (attempt) => (attempt.outcome === 'improvement_plan' && !(typeof attempt.form?.plan === 'string' && attempt.form.plan.trim()) ? 'ALMO-R5: an improvement plan is set out (PROCESSES.md §2.8)' : undefined),
      );
      if (next.outcome === 'withdraw_from_programme') {
        if (details.decentHomes) details.decentHomes.conditions.twoStarInspection = 'withdrawn';
        await moveTo(ALMO_STAGES.operating, `The council withdrew from the Decent Homes programme: ${next.reasons ?? ''}`, next.actor);
        return;
      }
      details.improvementPlans.push({ afterRound: round, plan: formField(next, 'plan'), decidedBy: next.actor });
      const reinspection = dateMonthsLater(current.date, p.reinspectionMonths);
      expected = { from: reinspection, to: reinspection };
      await moveTo(ALMO_STAGES.improvement, `Improvement plan agreed; a re-inspection is expected around ${onDate(reinspection)}`, next.actor);
    }
  };

  await frame.run(async () => {
    if (!(await appraisal()) || !(await testOfOpinion())) return;
    await bid();
    if (!(await setUp())) return;

    // §2.6: the launch starts the Management Agreement's term; its review opens the policy's months before the end.
    const launch = details.launch as NonNullable<AlmoDetails['launch']>;
    const agreement = details.managementAgreement as NonNullable<AlmoDetails['managementAgreement']>;
    // The term runs in the process's calendar: from the go-live date, or in a compressed calendar (where
    // a date people enter has no compressed meaning) from the launch itself, so its end does not hang
    // on the hour of the day the launch was recorded.
    const start = policy.calendar.kind === 'compressed' && launch.launchedAt ? launch.launchedAt : startOfDate(launch.goLiveDate);
    const end = monthsLater(policy.calendar, start, agreement.termYears * 12);
    const reviewOpensAt = monthsLater(policy.calendar, end, -p.reviewNoticeMonths);
    Object.assign(agreement, { start, end, reviewOpensAt });
    const notice = await frame.document('launch-notice', 'launch', 'launch_notice', `${input.almo} is launched`, [
      parties,
      { heading: 'Launch', lines: [`${input.almo} manages the council's homes from ${onDate(launch.goLiveDate)}.`] },
      { heading: 'Management Agreement', lines: [`${agreement.reference}: a ${agreement.termYears}-year term from ${dateInWords(start)} to ${dateInWords(end)}; its review opens on ${dateInWords(reviewOpensAt)}.`] },
      { heading: 'Shadow board', lines: (details.shadowBoard?.members ?? []).map((m) => `${m.name} (${m.place})`) },
      { heading: 'SLAs', lines: (details.slas?.services ?? []).map((s) => `${s.name}: ${s.outcome}${s.annualChargePence === undefined ? '' : `, ${inPounds(s.annualChargePence)} a year`}`) },
    ]);
    launch.documentId = notice.documentId;
    await moveTo(ALMO_STAGES.launched, `Launched on ${onDate(launch.goLiveDate)}; the Management Agreement runs to ${dateInWords(end)}`, launch.launchedBy);

    try {
      const reviewed = await afterLaunch.run(async () => {
        // §2.9 [8.4, 9.2]: the review falls due before the term ends, whatever the inspections bring.
        const review = (async () => {
          await sleepUntil(reviewOpensAt);
          return tasks.decide(
            {
              taskId: 'management-agreement-review',
              kind: 'review_management_agreement',
              title: `Review the Management Agreement with ${input.almo} before it ends on ${dateInWords(end)}`,
              role: 'programme_manager',
              outcomes: ['renew', 'options_review'],
              reasonsRequiredFor: ['renew', 'options_review'],
              data: { agreement },
              dueInWorkingDays: step,
            },
          );
        })();
        void review.catch(() => undefined);
        await inspections(launch.goLiveDate);
        const decided = await review;
        await Promise.all(beside);
        return decided;
      });
      await finish(ALMO_STAGES.agreementReviewed, 'completed', `Management Agreement reviewed: ${reviewed.outcome.replace(/_/g, ' ')} (${reviewed.reasons ?? ''})`, reviewed.actor);
    } catch (err) {
      if (!(isCancellation(err) && agreementEnded)) throw err;
      const ended = agreementEnded;
      await finish(ALMO_STAGES.agreementEnded, 'completed', `Management Agreement ended on ${onDate(ended.endsOn)} by the options review ${ended.reviewProcessId}: ${ended.reasons}`, ended.by);
    }
  });
}
