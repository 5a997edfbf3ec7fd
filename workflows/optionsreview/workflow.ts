import { patched, setHandler } from '@temporalio/workflow';
import { ALMO_EXPORTS, ALMO_KIND, almoBusinessKey, managementAgreementEndedSignal, TEST_OF_OPINION_METHOD_TASK } from '../almo/messages';
import { sleepUntil, workflowNow } from '../common/clock';
import { processFrame } from '../common/frame';
import { calendarDateInWords, calendarDateOf, dateInWords, inPounds, startOfDate } from '../common/format';
import { calendarDaysMs, monthsLater } from '../common/policy';
import { person } from '../common/roles';
import { TASK_REFUSALS, formField, refuse, type DecisionRecord } from '../common/tasks';
import {
  CONSULTATION_METHODS,
  HANDOVER_ITEMS,
  ORIGINAL_METHODS,
  OPTIONS_REVIEW_KIND,
  OPTIONS_REVIEW_STAGES,
  REVIEW_OPTIONS,
  REVIEW_OPTION_NAMES,
  optionsReviewBusinessKey,
  projectGroupKey,
  projectGroupName,
  RESIDENT_CONTACT_NOTE,
  AGREEMENT_END_NOT_TOLD,
  recordResidentContactUpdate,
  type ConsultationMethod,
  type HandoverItem,
  type OptionsReviewDetails,
  type OptionsReviewStartInput,
  type OriginalMethod,
  type ReviewOption,
  type ServiceMeasures,
  type OptionsReviewTaskKind,
} from './messages';
import { OPTIONS_REVIEW_RULES, consultationRefusal, materialRefusal, measuresInWords, r3Refusal } from './rules';

/** A refusal for a date people entered (YYYY-MM-DD) that comes before `earliest`: what it records cannot have happened then. */
const notBefore = (date: unknown, earliest: string, refusal: string) => (typeof date === 'string' && date < earliest ? refusal : undefined);
const onDate = calendarDateInWords;
const text = (decision: DecisionRecord, field: string) => (typeof decision.form[field] === 'string' ? (decision.form[field] as string) : undefined);
const measures = (decision: DecisionRecord): ServiceMeasures => ({ complaintsPerMonth: Number(decision.form.complaintsPerMonth), repairSatisfactionPercent: Number(decision.form.repairSatisfactionPercent) });
const RULES_IN_WORDS = Object.values(OPTIONS_REVIEW_RULES).map((r) => `${r.rule} (${r.source})`);

/**
 * PROCESSES.md §3, an options review of an ALMO (sources 002, 003): the Department notified, the terms
 * of reference published, tenants and the ALMO involved from the outset, the options appraised and
 * shortlisted, a consultation overseen from outside, the council's decision; if in-house, the
 * handover (ending the Management Agreement) and a listening programme with before/after measures.
 * Rules R1-R4 of the 2011 guidance are the consultation's guard.
 */
export async function optionsReview(input: OptionsReviewStartInput): Promise<void> {
  const { policy } = input;
  const p = policy.optionsreview;
  const council = input.councilName ?? input.council;
  const frame = processFrame<OptionsReviewDetails, OptionsReviewTaskKind>({
    kind: OPTIONS_REVIEW_KIND,
    council: input.council,
    groupKey: projectGroupKey(input.almo),
    title: `Options review: ${input.almo} (${council})`,
    businessKey: optionsReviewBusinessKey(input),
    startedBy: input.startedBy,
    stage: OPTIONS_REVIEW_STAGES.review,
    policy,
    // The ALMO board hears of every decision on its company's future, the end of its Management Agreement included.
    parties: ['almo_board'],

    details: { almo: input.almo, projectGroup: { name: projectGroupName(input.almo), key: projectGroupKey(input.almo) } },
  });
  const { details, tasks, moveTo, finish, activities } = frame;
  const step = p.councilStepWorkingDays;
  const establishmentId = almoBusinessKey(input);
  const parties = { heading: 'Parties', lines: [`The council: ${council}`, `The ALMO: ${input.almo}`] };
  const reviewBegan = calendarDateOf(frame.startedAt);

  // §3.8: resident contacts as runs from before they were notes took them, each an update.
  setHandler(
    recordResidentContactUpdate,
    async (contact) => {
      const listening = details.listening as NonNullable<OptionsReviewDetails['listening']>;
      listening.contacts.push({ channel: contact.channel, summary: contact.summary, at: workflowNow(), by: person(contact.actor) });
      await frame.engine?.event('resident_contact', `Listening programme: a resident's contact by ${contact.channel}: ${contact.summary}`, contact.actor, {
        action: 'process.record_resident_contact',
        details: { channel: contact.channel, summary: contact.summary },
      });
      return { stage: frame.stage(), contacts: listening.contacts.length };
    },
    {
      validator: (contact) => {
        if (frame.stage() !== OPTIONS_REVIEW_STAGES.listening || !details.listening) refuse(TASK_REFUSALS.ruleViolation, 'resident contacts are recorded during the listening programme');
        if (contact?.actor?.role !== 'housing_manager') refuse(TASK_REFUSALS.actorNotAllowed, 'a housing manager records resident contacts');
        if (typeof contact.channel !== 'string' || !contact.channel.trim() || typeof contact.summary !== 'string' || !contact.summary.trim()) refuse(TASK_REFUSALS.invalidForm, 'a contact has its channel and a summary');
      },
    },
  );

  /** R1's premise: how tenants were asked before the original transfer; from the establishment this service ran, else as entered, else asked for. */
  const originalMethod = async (): Promise<void> => {
    // Read through what the ALMO establishment exports for it; runs from before read its task directly.
    const recorded = patched('original-test-of-opinion-exported')
      ? await activities.processExport({ kind: ALMO_KIND, processId: establishmentId, name: ALMO_EXPORTS.originalTestOfOpinion })
      : await activities.recordedDecision({ processId: establishmentId, taskId: TEST_OF_OPINION_METHOD_TASK });
    if (recorded) {
      details.original = {
        method: recorded.outcome as OriginalMethod,
        evidence: `the ALMO establishment ${establishmentId}, decided ${dateInWords(recorded.at)}${recorded.documentIds[0] ? `, decision record ${recorded.documentIds[0]}` : ''}`,
        from: 'almo_establishment',
        establishmentProcessId: establishmentId,
      };
      return;
    }
    if (input.originalTestOfOpinion) {
      details.original = { ...input.originalTestOfOpinion, from: 'entered' };
      return;
    }
    await tasks.decide(
      {
        taskId: 'original-test-of-opinion',
        kind: 'record_original_test_of_opinion',
        title: 'Record how tenants were asked before the original transfer to the ALMO, with the evidence',
        role: 'programme_manager',
        outcomes: [...ORIGINAL_METHODS],
        requiredFormFields: ['evidence'],
        data: { why: RULES_IN_WORDS[0] },
        dueInWorkingDays: step,
      },
      async (d) => {
        details.original = { method: d.outcome as OriginalMethod, evidence: formField(d, 'evidence'), from: 'entered' };
      },
    );
  };

  let acknowledgement: Promise<unknown> | undefined;
  const notifyDepartment = async () => {
    const notified = await tasks.decide(
      { taskId: 'notify-department', kind: 'notify_department', title: 'Notify the Department of the options review', role: 'programme_manager', outcomes: ['notified'], requiredFormFields: ['notifiedOn', 'reference'], dueInWorkingDays: p.notifyDepartmentWorkingDays },
      async (d) => {
        details.department = { notifiedOn: formField(d, 'notifiedOn'), reference: formField(d, 'reference'), notifiedBy: d.actor };
      },
      (attempt) => notBefore(attempt.form?.notifiedOn, reviewBegan, `the Department cannot have been notified of the review before it began on ${onDate(reviewBegan)}`),
    );
    acknowledgement = tasks.decide(
      { taskId: 'department-acknowledgement', kind: 'record_department_acknowledgement', title: "Record the Department's acknowledgement of the options review", role: 'liaison', outcomes: ['acknowledged'], requiredFormFields: ['reference'], data: { notified: details.department }, dueInWorkingDays: step },
      async (d) => {
        if (details.department) details.department.acknowledgement = formField(d, 'reference');
      },
    );
    void acknowledgement.catch(() => undefined);
    return notified;
  };

  const termsOfReference = () =>
    tasks.decide(
      {
        taskId: 'terms-of-reference',
        kind: 'publish_terms_of_reference',
        title: 'Publish the terms of reference of the options review',
        role: 'programme_manager',
        outcomes: ['publish'],
        requiredFormFields: ['aims', 'timescales', 'process', 'shortlistingCriteria', 'decisionCriteria'],
        data: { rule: RULES_IN_WORDS[2] },
        dueInWorkingDays: step,
      },
      async (d) => {
        const doc = await frame.document('terms-of-reference', 'review', 'terms_of_reference', `Options review of ${input.almo}: terms of reference`, [
          parties,
          { heading: 'Aims and objectives', lines: [formField(d, 'aims')] },
          { heading: 'Timescales', lines: [formField(d, 'timescales')] },
          { heading: 'The process', lines: [formField(d, 'process')] },
          { heading: 'Criteria for shortlisting options', lines: [formField(d, 'shortlistingCriteria')] },
          { heading: 'Criteria for the final decision', lines: [formField(d, 'decisionCriteria')] },
          { heading: 'This is a public document', lines: [`Published on ${dateInWords(d.decidedAt)}, after the Department was notified on ${onDate(details.department?.notifiedOn ?? '')}.`] },
        ], { public: true });
        details.termsOfReference = { documentId: doc.documentId, publishedAt: d.decidedAt };
      },
      () => r3Refusal(details),
    );

  const engagement = () =>
    tasks.decide(
      { taskId: 'tenant-engagement', kind: 'engage_tenants_and_almo', title: 'Invite tenants into the project group, offer an Independent Tenants Adviser, and invite the ALMO board and employees', role: 'programme_manager', outcomes: ['done'], requiredFormFields: ['tenantsInvited', 'adviserOffered', 'almoInvited'], dueInWorkingDays: step },
      async (d) => {
        details.engagement = { tenantsInvited: formField(d, 'tenantsInvited'), adviserOffered: formField(d, 'adviserOffered'), almoInvited: formField(d, 'almoInvited') };
      },
    );

  const appraiseAndShortlist = async () => {
    await tasks.decide(
      { taskId: 'options-appraisal', kind: 'assess_options', title: 'Assess the costs and benefits of the options, and their risks', role: 'finance', outcomes: ['assessed'], requiredFormFields: ['costBenefit', 'risks'], dueInWorkingDays: step },
      async (d) => {
        details.appraisal = {
          costBenefit: formField(d, 'costBenefit'),
          risks: d.form.risks as Record<string, string>,
          ...(text(d, 'externalValidation') ? { externalValidation: text(d, 'externalValidation') as string } : {}),
          ...(text(d, 'noValidationReason') ? { noValidationReason: text(d, 'noValidationReason') as string } : {}),
        };
      },
      (attempt) => {
        const risks = attempt.form?.risks as Record<string, unknown> | undefined;
        const missing = ['lossOfKeyStaff', 'selfFinancing', 'capitalProgramme', 'decentHomes'].filter((r) => !(typeof risks?.[r] === 'string' && (risks[r] as string).trim()));
        if (missing.length) return `[21]: the risk analysis covers ${missing.join(', ')}`;
        const validated = typeof attempt.form?.externalValidation === 'string' && attempt.form.externalValidation.trim();
        const why = typeof attempt.form?.noValidationReason === 'string' && attempt.form.noValidationReason.trim();
        return validated || why ? undefined : '[21]: the assessment is externally validated, or the reason for no validation is recorded';
      },
    );
    const shortlist = await tasks.decide(
      { taskId: 'shortlist', kind: 'shortlist_options', title: 'Shortlist the options with their pros, cons and impact on residents, and recommend one', role: 'programme_manager', outcomes: ['submit'], requiredFormFields: ['options', 'recommended', 'reasons'], dueInWorkingDays: step },
      async (d) => {
        details.shortlist = { options: d.form.options as NonNullable<OptionsReviewDetails['shortlist']>['options'], recommended: formField(d, 'recommended') as ReviewOption, reasons: formField(d, 'reasons') };
      },
      (attempt) => {
        const options = (attempt.form?.options as { option?: unknown }[] | undefined) ?? [];
        return options.some((o) => o?.option === attempt.form?.recommended) ? undefined : '[22]: the recommended option is one of the shortlisted options';
      },
    );
    // R2 [27]: keeping the ALMO needs its funding identified and ratified, before consultation.
    if (formField(shortlist, 'recommended') === 'keep_almo') {
      await tasks.decide(
        { taskId: 'continued-funding', kind: 'ratify_continued_funding', title: 'Record the council decision ratifying the funding for keeping the ALMO', role: 'cabinet', outcomes: ['ratified'], requiredFormFields: ['fundingStreams', 'minuteReference'], data: { rule: RULES_IN_WORDS[1] }, dueInWorkingDays: step },
        async (d) => {
          details.funding = { streams: d.form.fundingStreams as { source: string; amountPence: number }[], minuteReference: formField(d, 'minuteReference'), ratifiedBy: d.actor };
        },
      );
    }
  };

  const material = () =>
    tasks.decide(
      { taskId: 'consultation-material', kind: 'approve_consultation_material', title: 'Approve the consultation material as accurate and impartial', role: 'programme_manager', outcomes: ['approve'], requiredFormFields: ['reference', 'accurateAndImpartial'], data: { rule: RULES_IN_WORDS[3] }, dueInWorkingDays: step },
      async (d) => {
        details.material = { reference: formField(d, 'reference'), accurateAndImpartial: d.form.accurateAndImpartial === true, approvedBy: d.actor };
      },
      (attempt) => materialRefusal(details) ?? (attempt.form?.accurateAndImpartial === true ? undefined : 'R4 [17]: the information to tenants is marked accurate and impartial'),
    );
  const overseer = () =>
    tasks.decide(
      { taskId: 'consultation-overseer', kind: 'appoint_consultation_overseer', title: 'Appoint the external organisation that oversees the consultation', role: 'programme_manager', outcomes: ['appoint'], requiredFormFields: ['organisation'], dueInWorkingDays: step },
      async (d) => {
        details.overseer = { organisation: formField(d, 'organisation') };
      },
    );
  /** §3.6: the consultation opens only when R1-R4 hold and the steps before it are done; the method is its outcome. */
  const openConsultation = () =>
    tasks.decide(
      {
        taskId: 'open-consultation',
        kind: 'open_consultation',
        title: "Open the consultation of tenants (a ballot, a full survey or another comprehensive method)",
        role: 'programme_manager',
        outcomes: [...CONSULTATION_METHODS],
        data: { rules: RULES_IN_WORDS, consultationDays: p.consultationDays },
        // Due like every council step from this version; runs from before waited without a date.
        ...(patched('consultation-opening-due') ? { dueInWorkingDays: step } : {}),
      },
      async (d) => {
        const opensAt = d.decidedAt;
        details.consultation = {
          method: d.outcome as ConsultationMethod,
          ...(text(d, 'description') ? { description: text(d, 'description') as string } : {}),
          opensAt,
          closesAt: new Date(Date.parse(opensAt) + calendarDaysMs(policy.calendar, p.consultationDays)).toISOString(),
        };
      },
      (attempt) => consultationRefusal(details, attempt.outcome, attempt.form?.description),
    );

  await frame.run(async () => {
    await frame.record('process_started', `Options review of ${input.almo}`, input.startedBy);
    const preparation = [originalMethod(), notifyDepartment(), termsOfReference(), engagement(), appraiseAndShortlist(), material(), overseer(), openConsultation()];
    await Promise.all(preparation);
    const consultation = details.consultation as NonNullable<OptionsReviewDetails['consultation']>;
    await moveTo(OPTIONS_REVIEW_STAGES.consultation, `The consultation opens (${consultation.method.replace(/_/g, ' ')}), overseen by ${details.overseer?.organisation}, until ${dateInWords(consultation.closesAt)}`);
    await sleepUntil(consultation.closesAt);
    await tasks.decide(
      { taskId: 'consultation-result', kind: 'record_consultation_result', title: 'Certify the result of the consultation of tenants', role: 'scrutineer', outcomes: ['record'], requiredFormFields: ['eligible', 'responses', 'forRecommended', 'against'], data: { method: consultation.method, recommended: details.shortlist?.recommended }, dueInWorkingDays: step },
      async (d) => {
        consultation.result = { eligible: Number(d.form.eligible), responses: Number(d.form.responses), forRecommended: Number(d.form.forRecommended), against: Number(d.form.against) };
      },
    );
    await acknowledgement;
    await moveTo(OPTIONS_REVIEW_STAGES.councilDecision, 'The consultation result is certified; the council decides');

    // §3.7: the council decision, published with reasons.
    const decision = await tasks.decide(
      {
        taskId: 'council-decision',
        kind: 'record_council_decision',
        title: `Record the council decision on the future of ${input.almo}`,
        role: 'cabinet',
        outcomes: [...REVIEW_OPTIONS],
        reasonsRequiredFor: [...REVIEW_OPTIONS],
        requiredFormFields: ['minuteReference', 'meetingDate'],
        data: { recommended: details.shortlist?.recommended, consultation: consultation.result },
        dueInWorkingDays: step,
      },
      async (d) => {
        details.decision = {
          option: d.outcome as ReviewOption,
          minuteReference: formField(d, 'minuteReference'),
          // Optional here: decisions recorded before the meeting date was asked for have none.
          ...(text(d, 'meetingDate') ? { meetingDate: text(d, 'meetingDate') as string } : {}),
          reasons: d.reasons ?? '',
          decidedBy: d.actor,
          decidedAt: d.decidedAt,
          ...(text(d, 'transferDate') ? { transferDate: text(d, 'transferDate') as string } : {}),
        };
      },
      (attempt) => {
        if (attempt.outcome === 'keep_almo' && !details.funding) return 'R2 [27]: keeping the ALMO needs its funding streams and the council decision ratifying them';
        if (attempt.outcome === 'in_house' && !(typeof attempt.form?.transferDate === 'string' && attempt.form.transferDate)) return '§3.8: bringing the service in-house sets the transfer date';
        const closed = calendarDateOf(consultation.closesAt);
        return (
          notBefore(attempt.form?.meetingDate, closed, `the council decides after the consultation, which closed on ${onDate(closed)}: its meeting cannot be before that`) ??
          notBefore(attempt.form?.transferDate, String(attempt.form?.meetingDate), "the service cannot come in-house before the council's decision to bring it in-house (meetingDate)")
        );
      },
    );
    const chosen = decision.outcome as ReviewOption;
    const result = consultation.result;
    const notice = await frame.document('decision-notice', 'council_decision', 'decision_notice', `The future of ${input.almo}: the council's decision`, [
      parties,
      { heading: 'Decision', lines: [`The council decided to ${REVIEW_OPTION_NAMES[chosen]}.`, details.decision?.meetingDate ? `Decided at the meeting of ${onDate(details.decision.meetingDate)}, minute ${details.decision.minuteReference}` : `Minute: ${details.decision?.minuteReference}, recorded on ${dateInWords(decision.decidedAt)}`, ...(details.decision?.transferDate ? [`The service comes in-house on ${onDate(details.decision.transferDate)}.`] : [])] },
      { heading: 'Reasons', lines: [decision.reasons ?? ''] },
      { heading: 'The consultation', lines: [`${consultation.method.replace(/_/g, ' ')}, overseen by ${details.overseer?.organisation}: ${result?.forRecommended} for the recommended option (${REVIEW_OPTION_NAMES[details.shortlist?.recommended ?? 'other']}), ${result?.against} against, of ${result?.responses} responses from ${result?.eligible} tenants`] },
      ...(chosen === 'keep_almo' && details.funding
        ? [{ heading: 'Funding for the ALMO', lines: [...details.funding.streams.map((s) => `${s.source}: ${inPounds(s.amountPence)}`), `Ratified by the council, minute ${details.funding.minuteReference}.`] }]
        : []),
      { heading: 'This is a public document', lines: [`Published on ${dateInWords(decision.decidedAt)}.`] },
    ], { public: true });
    if (details.decision) details.decision.documentId = notice.documentId;
    if (chosen !== 'in_house') {
      await finish(chosen === 'keep_almo' ? OPTIONS_REVIEW_STAGES.almoKept : OPTIONS_REVIEW_STAGES.otherOption, 'completed', `The council decided to ${REVIEW_OPTION_NAMES[chosen]}: ${decision.reasons ?? ''}`, decision.actor);
      return;
    }

    // §3.8: the handover, each part with its owner; ending the Management Agreement ends the establishment's.
    const transferDate = details.decision?.transferDate ?? '';
    await moveTo(OPTIONS_REVIEW_STAGES.handover, `The service comes in-house on ${onDate(transferDate)}; the handover begins`, decision.actor);
    await Promise.all(
      (Object.entries(HANDOVER_ITEMS) as [HandoverItem, (typeof HANDOVER_ITEMS)[HandoverItem]][]).map(([item, { name, role }]) =>
        tasks.decide(
          { taskId: `handover-${item.replace('_', '-')}`, kind: 'complete_handover', title: `Handover to the council: ${name}`, role, outcomes: ['done'], requiredFormFields: ['summary'], data: { transferDate }, dueInWorkingDays: step },
          async (d) => {
            details.handover = { ...details.handover, [item]: formField(d, 'summary') };
            if (item !== 'management_agreement' || details.original?.from !== 'almo_establishment') return;
            details.agreementEnded = { establishmentProcessId: establishmentId, signalled: false };
            try {
              await frame.signal(establishmentId, managementAgreementEndedSignal, { reviewProcessId: frame.processId, endsOn: transferDate, by: d.actor, reasons: decision.reasons ?? '' });
              details.agreementEnded.signalled = true;
            } catch (err) {
              // Seen, not swallowed: the establishment could not be told (it has already ended).
              details.agreementEnded.notTold = err instanceof Error ? err.message : String(err);
              if (patched('agreement-end-failure-recorded')) {
                await frame.engine?.event(AGREEMENT_END_NOT_TOLD, `The ALMO establishment ${establishmentId} could not be told that its Management Agreement ends: ${details.agreementEnded.notTold}`);
              }
            }
          },
        ),
      ),
    );
    // From this version the listening programme begins on the transfer date (runs from before began it at once).
    const listensFromTransfer = patched('listening-from-transfer');
    await frame.note(`Handover done: the service is in-house from ${onDate(transferDate)}${listensFromTransfer ? ', when the listening programme begins' : ''}${details.agreementEnded?.signalled ? `; the Management Agreement of ${establishmentId} is ended` : ''}`);

    // §3.8: the listening programme, with measures from before and after, from the day the service is in-house.
    if (listensFromTransfer) await sleepUntil(startOfDate(transferDate));
    const opensAt = workflowNow();
    const listening = { opensAt, closesAt: monthsLater(policy.calendar, opensAt, p.listeningMonths), contacts: [] as NonNullable<OptionsReviewDetails['listening']>['contacts'] };
    details.listening = listening;
    await moveTo(OPTIONS_REVIEW_STAGES.listening, `The listening programme runs until ${dateInWords(listening.closesAt)}`);
    await tasks.decide(
      { taskId: 'baseline-measures', kind: 'record_baseline_measures', title: 'Record the service measures from before the transfer', role: 'housing_manager', outcomes: ['record'], requiredFormFields: ['complaintsPerMonth', 'repairSatisfactionPercent'], dueInWorkingDays: step },
      async (d) => {
        (details.listening as typeof listening & { before?: ServiceMeasures }).before = measures(d);
      },
    );
    await sleepUntil(listening.closesAt);
    const closing = await tasks.decide(
      { taskId: 'closing-measures', kind: 'record_closing_measures', title: 'Record the service measures at the end of the listening programme', role: 'housing_manager', outcomes: ['record'], requiredFormFields: ['complaintsPerMonth', 'repairSatisfactionPercent'], dueInWorkingDays: step },
      async (d) => {
        (details.listening as typeof listening & { after?: ServiceMeasures }).after = measures(d);
      },
    );
    const heard = details.listening;
    const before = heard?.before as ServiceMeasures;
    const after = heard?.after as ServiceMeasures;
    // Contacts are notes on the timeline, counted here (runs from before held each one in the workflow).
    const tally = patched('resident-contacts-as-notes') ? await activities.timelineTally({ processId: frame.processId, kind: RESIDENT_CONTACT_NOTE, groupBy: 'channel', sumOf: 'people' }) : undefined;
    if (tally && heard) heard.heard = tally;
    const contactsHeard = tally ? `${tally.total} residents heard in ${tally.entries} contacts.` : `${heard?.contacts.length ?? 0} residents' contacts heard.`;
    const told = tally
      ? tally.groups.map((g) => `${g.key}: ${g.total} residents in ${g.entries} contacts`).concat(tally.entries ? ['Each contact, with what was said, is on the process timeline.'] : [])
      : (heard?.contacts ?? []).map((c) => `${c.channel}: ${c.summary}`);
    const report = await frame.document('listening-report', 'listening_programme', 'listening_programme_report', `Listening programme: ${input.almo}'s homes back in-house`, [
      parties,
      { heading: 'The programme', lines: [`From ${dateInWords(listening.opensAt)} to ${dateInWords(listening.closesAt)}; the service in-house from ${onDate(transferDate)}.`, contactsHeard] },
      { heading: 'What residents told us', lines: told.length ? told : ['none recorded'] },
      { heading: 'Before and after', lines: measuresInWords(before, after) },
    ]);
    if (details.listening) details.listening.reportId = report.documentId;
    await finish(OPTIONS_REVIEW_STAGES.inHouse, 'completed', `In-house from ${onDate(transferDate)}; the listening programme heard ${tally ? tally.total : (heard?.contacts.length ?? 0)} residents`, closing.actor);
  });
}
