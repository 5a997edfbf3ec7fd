import { LMA_STAGES } from '../messages';
import type { Agreement } from './context';

/** Steps 1-2: the expression of interest recorded; the council appoints an adviser (housing_manager). */
export async function appointAdviser(ctx: Agreement): Promise<void> {
  const { input, frame, details, tasks, moveTo, policy, withEngine } = ctx;
  await frame.record('process_started', `Expression of interest from ${input.group.name}`, input.startedBy);
  await tasks.decide(
    {
      taskId: 'appoint-adviser',
      kind: 'appoint_adviser',
      title: "Appoint an adviser to the residents' group",
      role: 'housing_manager',
      outcomes: ['appoint'],
      data: { estate: input.estate, group: input.group, services: input.services },
      ...(withEngine ? { dueInWorkingDays: policy.lma.adviserAppointmentWorkingDays } : {}),
    },
    async (decision) => {
      details.adviser = {
        userId: decision.form.adviserUserId,
        name: decision.form.adviserName,
        appointedBy: decision.actor,
        appointedAt: decision.decidedAt,
      };
      await moveTo(LMA_STAGES.outlinePlan, `Adviser appointed: ${details.adviser.name}`, decision.actor);
    },
  );
}
