import { inPounds } from '../../common/format';
import { Endable } from '../../common/endable';
import { type Decision } from '../../common/tasks';
import { type SlaService, slaServiceOf } from '../../sla/messages';
import { slaRenegotiation } from '../../sla/workflow';
import { ALMO_STAGES, READINESS_ITEMS, type AlmoForms } from '../messages';
import { launchRefusal, shadowBoardProblem } from '../rules';
import type { Establishment } from './context';

/** §2.4-2.6: the five workstreams and the Section 27 consent in parallel; launch once all are done. */
export async function setUp(ctx: Establishment): Promise<boolean> {
  const { input, frame, details, tasks, finish, processId, policy, p, step, parties, workstreamDone } = ctx;
  const hra = async () => {
    const agreed = await Promise.all(
      (['finance', 'almo_board'] as const).map((role) =>
        tasks.decide(
          {
            taskId: `hra-${role.replace('_', '-')}`,
            kind: 'agree_hra_arrangements',
            title: `Agree the HRA arrangements (${role === 'finance' ? 'council finance' : 'ALMO board'})`,
            role,
            outcomes: ['agree'],
            dueInWorkingDays: step,
          },
          async (d) => {
            details.hra = { ...details.hra, [role === 'finance' ? 'finance' : 'almoBoard']: d.form.summary };
          },
        ),
      ),
    );
    await workstreamDone('hra', 'agreed by finance and the ALMO board', agreed[1]?.actor);
  };
  const slas = async () => {
    const listed = await tasks.decide(
      {
        taskId: 'central-services',
        kind: 'list_central_services',
        title: 'List the central services the ALMO will buy under SLAs',
        role: 'programme_manager',
        outcomes: ['submit'],
        dueInWorkingDays: step,
      },
      undefined,
      (attempt) =>
        Array.isArray(attempt.form?.services) && attempt.form.services.length > 0
          ? undefined
          : 'ALMO-R6: the SLA workstream lists at least one central service (PROCESSES.md §2.4b)',
    );
    const services: SlaService[] = listed.form.services.map(slaServiceOf);
    // §2.4b: the SLA process negotiates the first agreements, as a child of this one.
    const sla = await frame.startChild(slaRenegotiation, `${processId}:sla`, {
      council: input.council,
      ...(input.councilName ? { councilName: input.councilName } : {}),
      almo: input.almo,
      purpose: 'first_agreement',
      opens: 'now',
      services,
      startedBy: listed.actor,
      policy: {
        calendar: policy.calendar,
        reminderWorkingDaysBefore: policy.reminderWorkingDaysBefore,
        escalation: policy.escalation,
        sla: policy.sla,
      },
      parent: frame.ref,
    });
    // Its signed-off SLAs come by its signal (the handler records them); here it has closed.
    await sla.result();
    if (!details.slas) throw new Error('the SLA process ended without signed-off SLAs');
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
        data: { defaultTermYears: p.managementAgreementTermYears },
        dueInWorkingDays: step,
      },
      async (d) => {
        details.managementAgreement = {
          reference: d.form.reference,
          termYears: d.form.termYears ?? p.managementAgreementTermYears,
          approvedBy: d.actor,
        };
      },
    );
    await workstreamDone('managementAgreement', `approved, ${details.managementAgreement?.termYears}-year term`, approved.actor);
  };
  const shadowBoard = async () => {
    await tasks.decide(
      {
        taskId: 'shadow-board',
        kind: 'constitute_shadow_board',
        title: 'Constitute the shadow board',
        role: 'programme_manager',
        outcomes: ['constitute'],
        data: { leaseholders: input.stock.leaseholders },
        dueInWorkingDays: step,
      },
      async (d) => {
        details.shadowBoard = { members: d.form.members };
      },
      (attempt) => shadowBoardProblem(attempt.form?.members as { place?: unknown }[] | undefined, input.stock.leaseholders),
    );
    const trained = await tasks.decide(
      {
        taskId: 'board-training',
        kind: 'complete_board_training',
        title: 'Record the shadow board’s training',
        role: 'almo_board',
        outcomes: ['done'],
        dueInWorkingDays: step,
      },
      async (d) => {
        if (details.shadowBoard) details.shadowBoard.training = d.form.summary;
      },
    );
    await workstreamDone('shadowBoard', `${details.shadowBoard?.members.length} members, trained`, trained.actor);
  };
  const readiness = async () => {
    await Promise.all(
      (Object.entries(READINESS_ITEMS) as [keyof typeof READINESS_ITEMS, string][]).map(([item, name]) =>
        tasks.decide(
          {
            taskId: `readiness-${item.replace('_', '-')}`,
            kind: 'confirm_operational_readiness',
            title: `Confirm operational readiness: ${name}`,
            role: 'housing_manager',
            outcomes: ['ready'],
            dueInWorkingDays: step,
          },
          async (d) => {
            details.readiness = { ...details.readiness, [item]: d.form.summary };
          },
        ),
      ),
    );
    await workstreamDone('operationalReadiness', 'staff transfer, IT, offices and branding ready');
  };
  // The cabinet ending the programme after a refusal ends set-up, and the process.
  const setUpSteps = new Endable<Decision<AlmoForms['decide_after_section_27_refusal']>>();
  const section27 = async () => {
    for (let n = 1; ; n += 1) {
      const submitted = await tasks.decide({
        taskId: `section-27-application-${n}`,
        kind: 'submit_section_27_application',
        title: n === 1 ? 'Apply for Section 27 consent' : `Apply again for Section 27 consent (application ${n})`,
        role: 'programme_manager',
        outcomes: ['submit'],
        dueInWorkingDays: step,
      });
      const pack = await frame.document(
        `section-27-pack-${n}`,
        'section_27',
        'section_27_application_pack',
        `Section 27 application (Housing Act 1985): ${input.almo}${n > 1 ? `, application ${n}` : ''}`,
        [
          parties,
          { heading: 'The application', lines: [submitted.form.summary] },
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
        setUpSteps.end(next);
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
        data: { rule: 'ALMO-R4: launch needs every set-up workstream done and Section 27 consent (PROCESSES.md §2.4-2.6)' },
      },
      async (d) => {
        details.launch = { goLiveDate: d.form.goLiveDate, launchedBy: d.actor, launchedAt: d.decidedAt };
      },
      (attempt) => launchRefusal(details, attempt.form?.goLiveDate),
    );
  const setUpDone = await setUpSteps.run(() =>
    Promise.all([hra(), slas(), managementAgreement(), shadowBoard(), readiness(), section27(), launch()]),
  );
  if (!setUpDone.ended) return true;
  const [end] = setUpDone.because;
  await finish(
    ALMO_STAGES.section27Refused,
    'completed',
    `Section 27 consent refused; the council ended the programme: ${end.reasons ?? ''}`,
    end.actor,
  );
  return false;
}
