import { inPounds } from '../../common/format';
import { type Decision } from '../../common/tasks';
import { type AlmoForms } from '../messages';
import type { Establishment } from './context';

/** The cabinet's decision to end the programme after a refusal. */
export type ProgrammeEnded = Decision<AlmoForms['decide_after_section_27_refusal']>;

/**
 * §2.5: the Secretary of State's consent under Section 27 (Housing Act 1985), applied for with a pack
 * of what the programme has done; after a refusal the cabinet applies again or ends the programme.
 */
export async function section27(ctx: Establishment, endProgramme: (decision: ProgrammeEnded) => void): Promise<void> {
  const { details, tasks, frame, p, step } = ctx;
  for (let n = 1; ; n += 1) {
    const submitted = await tasks.decide({
      taskId: `section-27-application-${n}`,
      kind: 'submit_section_27_application',
      title: n === 1 ? 'Apply for Section 27 consent' : `Apply again for Section 27 consent (application ${n})`,
      role: 'programme_manager',
      outcomes: ['submit'],
      dueInWorkingDays: step,
    });
    const pack = await applicationPack(ctx, n, submitted.form.summary);
    details.section27 = { applications: n, documentId: pack.documentId };
    // §2.5 [7.1]: delays are common; chased before, and escalated at, the policy's weeks.
    const decision = await tasks.decide({
      taskId: `section-27-decision-${n}`,
      kind: 'record_section_27_decision',
      title: `Record the Secretary of State's decision on Section 27 consent${n > 1 ? ` (application ${n})` : ''}`,
      role: 'liaison',
      outcomes: ['granted', 'refused'],
      reasonsRequiredFor: ['refused'],
      data: { applicationPack: pack.documentId },
      dueInWorkingDays: p.section27DecisionWeeks * 5,
      escalateTo: 'programme_manager',
    });
    details.section27 = {
      applications: n,
      documentId: pack.documentId,
      decision: decision.outcome as 'granted' | 'refused',
      decidedAt: decision.decidedAt,
      ...(decision.reasons ? { reasons: decision.reasons } : {}),
    };
    if (decision.outcome === 'granted') {
      if (details.decentHomes) details.decentHomes.conditions.section27Consent = 'met';
      await frame.note('Section 27 consent granted', decision.actor);
      return;
    }
    const next = await tasks.decide({
      taskId: `section-27-refused-${n}`,
      kind: 'decide_after_section_27_refusal',
      title: 'Section 27 consent was refused: end the programme, or apply again',
      role: 'cabinet',
      outcomes: ['end_programme', 'apply_again'],
      reasonsRequiredFor: ['end_programme', 'apply_again'],
      data: { refusal: decision.reasons },
      dueInWorkingDays: step,
    });
    if (next.outcome === 'end_programme') {
      endProgramme(next);
      return;
    }
  }
}

/** The application pack: what the programme has done, as the Department reads it. */
function applicationPack(ctx: Establishment, n: number, summary: string) {
  const { input, frame, details, parties } = ctx;
  return frame.document(
    `section-27-pack-${n}`,
    'section_27',
    'section_27_application_pack',
    `Section 27 application (Housing Act 1985): ${input.almo}${n > 1 ? `, application ${n}` : ''}`,
    [
      parties,
      { heading: 'The application', lines: [summary] },
      {
        heading: 'Stock options appraisal',
        lines: [`The cabinet chose an ALMO (minute ${details.appraisal?.minuteReference}): ${details.appraisal?.reasons}`],
      },
      {
        heading: "Tenants' test of opinion",
        lines: [
          `${details.testOfOpinion?.method}: ${details.testOfOpinion?.result?.for} for, ${details.testOfOpinion?.result?.against} against, turnout ${details.testOfOpinion?.result?.turnoutPercent}%`,
        ],
      },
      {
        heading: 'Decent Homes bid',
        lines: [
          `Round ${details.decentHomes?.round}, ${details.decentHomes?.dwellings} dwellings`,
          `Borrowing approval ${inPounds(details.decentHomes?.borrowingApprovalPence ?? 0)}; HRA allowance ${inPounds(details.decentHomes?.hraAllowancePence ?? 0)}`,
          ...(details.decentHomes?.buildingCostsModel ? [`Building Costs Model: ${details.decentHomes.buildingCostsModel}`] : []),
        ],
      },
      {
        heading: 'Set-up workstreams',
        lines: Object.values(details.workstreams).map((w) => `${w.name}: ${w.done ? `done (${w.detail})` : 'in hand'}`),
      },
    ],
  );
}
