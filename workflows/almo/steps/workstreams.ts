import { workflowNow } from '../../common/clock';
import { dateInWords, inPounds } from '../../common/format';
import { type SignedOffSlas, type SlaService, slaServiceOf } from '../../sla/messages';
import { slaRenegotiation } from '../../sla/workflow';
import { type AlmoDetails, READINESS_ITEMS } from '../messages';
import { shadowBoardProblem } from '../rules';
import type { Establishment } from './context';

// §2.4a-e: the set-up workstreams, each done when its tasks are (run side by side by `setUp`).

/** §2.4a: the HRA arrangements, agreed by council finance and the ALMO board. */
export async function hraArrangements(ctx: Establishment): Promise<void> {
  const { details, tasks, step, workstreamDone } = ctx;
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
}

/** §2.4b: the central services the ALMO buys, negotiated by the SLA process as a child of this one. */
export async function centralServiceSlas(ctx: Establishment): Promise<void> {
  const { input, frame, details, tasks, processId, policy, step, workstreamDone } = ctx;
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
}

/** §2.4c: the Management Agreement drafted and approved. */
export async function managementAgreement(ctx: Establishment): Promise<void> {
  const { details, tasks, p, step, workstreamDone } = ctx;
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
}

/** §2.4d: the shadow board constituted (tenants, leaseholders, council, independents) and trained. */
export async function shadowBoard(ctx: Establishment): Promise<void> {
  const { input, details, tasks, step, workstreamDone } = ctx;
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
}

/** §2.4e: operational readiness, each item its own task. */
export async function operationalReadiness(ctx: Establishment): Promise<void> {
  const { details, tasks, step, workstreamDone } = ctx;
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
}

/** §2.4b: the SLAs the child signed off, as its signal tells them: the workstream is done. */
export function recordSignedOffSlas(details: AlmoDetails, signed: SignedOffSlas): void {
  details.slas = {
    effectiveFrom: signed.effectiveFrom,
    expiresOn: signed.expiresOn,
    services: signed.services,
    documentIds: signed.documentIds,
  };
  details.workstreams.slas = {
    ...details.workstreams.slas,
    done: true,
    doneAt: details.workstreams.slas.doneAt ?? workflowNow(),
    detail: `signed off for ${signed.services.length} service(s), ${inPounds(signed.totalAfterPence)} a year, to ${dateInWords(signed.expiresOn)}`,
  };
}
