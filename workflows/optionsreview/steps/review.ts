import { patched } from '@temporalio/workflow';
import { ALMO_EXPORTS, ALMO_KIND, TEST_OF_OPINION_METHOD_TASK } from '../../almo/messages';
import { dateInWords } from '../../common/format';
import { calendarDaysMs } from '../../common/policy';
import { CONSULTATION_METHODS, type ConsultationMethod, ORIGINAL_METHODS, type OriginalMethod } from '../messages';
import { consultationRefusal, materialRefusal, r3Refusal } from '../rules';
import { notBefore, onDate, type Review, RULES_IN_WORDS } from './context';

/** R1's premise: how tenants were asked before the original transfer; from the establishment this service ran, else as entered, else asked for. */
export async function originalMethod(r: Review) {
  const { input, details, tasks, step, establishmentId, activities } = r;
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
      data: { why: RULES_IN_WORDS[0] },
      dueInWorkingDays: step,
    },
    async (d) => {
      details.original = { method: d.outcome as OriginalMethod, evidence: d.form.evidence, from: 'entered' };
    },
  );
}

/** [15]: the Department notified first (R3), then its acknowledgement awaited beside the rest. */
export async function notifyDepartment(r: Review) {
  const { details, tasks, p, step, reviewBegan } = r;
  const notified = await tasks.decide(
    {
      taskId: 'notify-department',
      kind: 'notify_department',
      title: 'Notify the Department of the options review',
      role: 'programme_manager',
      outcomes: ['notified'],
      dueInWorkingDays: p.notifyDepartmentWorkingDays,
    },
    async (d) => {
      details.department = { notifiedOn: d.form.notifiedOn, reference: d.form.reference, notifiedBy: d.actor };
    },
    (attempt) =>
      notBefore(
        attempt.form?.notifiedOn,
        reviewBegan,
        `the Department cannot have been notified of the review before it began on ${onDate(reviewBegan)}`,
      ),
  );
  r.acknowledgement = tasks.decide(
    {
      taskId: 'department-acknowledgement',
      kind: 'record_department_acknowledgement',
      title: "Record the Department's acknowledgement of the options review",
      role: 'liaison',
      outcomes: ['acknowledged'],
      data: { notified: details.department },
      dueInWorkingDays: step,
    },
    async (d) => {
      if (details.department) details.department.acknowledgement = d.form.reference;
    },
  );
  void r.acknowledgement.catch(() => undefined);
  return notified;
}

/** [20]: the public terms of reference, once the Department is notified (R3). */
export function termsOfReference(r: Review) {
  const { input, frame, details, tasks, step, parties } = r;
  return tasks.decide(
    {
      taskId: 'terms-of-reference',
      kind: 'publish_terms_of_reference',
      title: 'Publish the terms of reference of the options review',
      role: 'programme_manager',
      outcomes: ['publish'],
      data: { rule: RULES_IN_WORDS[2] },
      dueInWorkingDays: step,
    },
    async (d) => {
      const doc = await frame.document(
        'terms-of-reference',
        'review',
        'terms_of_reference',
        `Options review of ${input.almo}: terms of reference`,
        [
          parties,
          { heading: 'Aims and objectives', lines: [d.form.aims] },
          { heading: 'Timescales', lines: [d.form.timescales] },
          { heading: 'The process', lines: [d.form.process] },
          { heading: 'Criteria for shortlisting options', lines: [d.form.shortlistingCriteria] },
          { heading: 'Criteria for the final decision', lines: [d.form.decisionCriteria] },
          {
            heading: 'This is a public document',
            lines: [
              `Published on ${dateInWords(d.decidedAt)}, after the Department was notified on ${onDate(details.department?.notifiedOn ?? '')}.`,
            ],
          },
        ],
        { public: true },
      );
      details.termsOfReference = { documentId: doc.documentId, publishedAt: d.decidedAt };
    },
    () => r3Refusal(details),
  );
}

/** [18-19, 23-24]: tenants into the project group, an Independent Tenants Adviser, the ALMO board and employees. */
export function engagement(r: Review) {
  const { details, tasks, step } = r;
  return tasks.decide(
    {
      taskId: 'tenant-engagement',
      kind: 'engage_tenants_and_almo',
      title: 'Invite tenants into the project group, offer an Independent Tenants Adviser, and invite the ALMO board and employees',
      role: 'programme_manager',
      outcomes: ['done'],
      dueInWorkingDays: step,
    },
    async (d) => {
      details.engagement = {
        tenantsInvited: d.form.tenantsInvited,
        adviserOffered: d.form.adviserOffered,
        almoInvited: d.form.almoInvited,
      };
    },
  );
}

/** [21-22, 27]: the options appraised and shortlisted; keeping the ALMO needs its funding ratified (R2). */
export async function appraiseAndShortlist(r: Review) {
  await assessOptions(r);
  const shortlist = await shortlistOptions(r);
  // R2 [27]: keeping the ALMO needs its funding identified and ratified, before consultation.
  if (shortlist.form.recommended === 'keep_almo') await ratifyContinuedFunding(r);
}

/** [21]: finance assesses the options' costs, benefits and risks, validated externally or saying why not. */
function assessOptions(r: Review) {
  const { details, tasks, step } = r;
  return tasks.decide(
    {
      taskId: 'options-appraisal',
      kind: 'assess_options',
      title: 'Assess the costs and benefits of the options, and their risks',
      role: 'finance',
      outcomes: ['assessed'],
      dueInWorkingDays: step,
    },
    async (d) => {
      details.appraisal = {
        costBenefit: d.form.costBenefit,
        risks: d.form.risks,
        ...(d.form.externalValidation ? { externalValidation: d.form.externalValidation } : {}),
        ...(d.form.noValidationReason ? { noValidationReason: d.form.noValidationReason } : {}),
      };
    },
    (attempt) => {
      const risks = attempt.form?.risks as Record<string, unknown> | undefined;
      const missing = ['lossOfKeyStaff', 'selfFinancing', 'capitalProgramme', 'decentHomes'].filter(
        (r) => !(typeof risks?.[r] === 'string' && (risks[r] as string).trim()),
      );
      if (missing.length) return `[21]: the risk analysis covers ${missing.join(', ')}`;
      const validated = typeof attempt.form?.externalValidation === 'string' && attempt.form.externalValidation.trim();
      const why = typeof attempt.form?.noValidationReason === 'string' && attempt.form.noValidationReason.trim();
      return validated || why ? undefined : '[21]: the assessment is externally validated, or the reason for no validation is recorded';
    },
  );
}

/** [22]: the shortlist with each option's pros, cons and impact on residents, and the one recommended. */
function shortlistOptions(r: Review) {
  const { details, tasks, step } = r;
  return tasks.decide(
    {
      taskId: 'shortlist',
      kind: 'shortlist_options',
      title: 'Shortlist the options with their pros, cons and impact on residents, and recommend one',
      role: 'programme_manager',
      outcomes: ['submit'],
      dueInWorkingDays: step,
    },
    async (d) => {
      details.shortlist = {
        options: d.form.options,
        recommended: d.form.recommended,
        reasons: d.form.reasons,
      };
    },
    (attempt) => {
      const options = (attempt.form?.options as { option?: unknown }[] | undefined) ?? [];
      return options.some((o) => o?.option === attempt.form?.recommended)
        ? undefined
        : '[22]: the recommended option is one of the shortlisted options';
    },
  );
}

/** R2 [27]: the council decision ratifying the funding for keeping the ALMO. */
function ratifyContinuedFunding(r: Review) {
  const { details, tasks, step } = r;
  return tasks.decide(
    {
      taskId: 'continued-funding',
      kind: 'ratify_continued_funding',
      title: 'Record the council decision ratifying the funding for keeping the ALMO',
      role: 'cabinet',
      outcomes: ['ratified'],
      data: { rule: RULES_IN_WORDS[1] },
      dueInWorkingDays: step,
    },
    async (d) => {
      details.funding = {
        streams: d.form.fundingStreams,
        minuteReference: d.form.minuteReference,
        ratifiedBy: d.actor,
      };
    },
  );
}

/** [17]: the consultation material approved as accurate and impartial (R4), once R2 allows it. */
export function material(r: Review) {
  const { details, tasks, step } = r;
  return tasks.decide(
    {
      taskId: 'consultation-material',
      kind: 'approve_consultation_material',
      title: 'Approve the consultation material as accurate and impartial',
      role: 'programme_manager',
      outcomes: ['approve'],
      data: { rule: RULES_IN_WORDS[3] },
      dueInWorkingDays: step,
    },
    async (d) => {
      details.material = {
        reference: d.form.reference,
        accurateAndImpartial: d.form.accurateAndImpartial === true,
        approvedBy: d.actor,
      };
    },
    (attempt) =>
      materialRefusal(details) ??
      (attempt.form?.accurateAndImpartial === true ? undefined : 'R4 [17]: the information to tenants is marked accurate and impartial'),
  );
}

/** [18]: the external organisation that oversees the consultation (R4). */
export function overseer(r: Review) {
  const { details, tasks, step } = r;
  return tasks.decide(
    {
      taskId: 'consultation-overseer',
      kind: 'appoint_consultation_overseer',
      title: 'Appoint the external organisation that oversees the consultation',
      role: 'programme_manager',
      outcomes: ['appoint'],
      dueInWorkingDays: step,
    },
    async (d) => {
      details.overseer = { organisation: d.form.organisation };
    },
  );
}

/** §3.6: the consultation opens only when R1-R4 hold and the steps before it are done; the method is its outcome. */
export function openConsultation(r: Review) {
  const { details, tasks, p, step, policy } = r;
  return tasks.decide(
    {
      taskId: 'open-consultation',
      kind: 'open_consultation',
      title: 'Open the consultation of tenants (a ballot, a full survey or another comprehensive method)',
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
        ...(d.form.description ? { description: d.form.description } : {}),
        opensAt,
        closesAt: new Date(Date.parse(opensAt) + calendarDaysMs(policy.calendar, p.consultationDays)).toISOString(),
      };
    },
    (attempt) => consultationRefusal(details, attempt.outcome, attempt.form?.description),
  );
}

/** §3.1-3.6, all open from the start: the preparation the consultation waits for, R1-R4 its guard. */
export async function prepareTheConsultation(r: Review): Promise<void> {
  await Promise.all([
    originalMethod(r),
    notifyDepartment(r),
    termsOfReference(r),
    engagement(r),
    appraiseAndShortlist(r),
    material(r),
    overseer(r),
    openConsultation(r),
  ]);
}
