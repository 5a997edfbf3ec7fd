import { condition, proxyActivities, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { createActivities } from '../../activities';
import { workflowNow } from '../common/clock';
import { processViewQuery, type ProcessStatus, type ProcessView } from '../common/process';
import { processStageKey } from '../common/search-attributes';
import { TaskBook, formField } from '../common/tasks';
import { LMA_STAGES, lmaBusinessKey, type LmaDetails, type LmaStartInput } from './messages';

const registry = proxyActivities<ReturnType<typeof createActivities>>({
  startToCloseTimeout: '30 seconds',
  // A database outage is waited out: the process resumes where it was once the database is back.
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/** PROCESSES.md §1, Local Management Agreement: expression of interest onwards. */
export async function localManagementAgreement(input: LmaStartInput): Promise<void> {
  const startedAt = workflowNow();
  let updatedAt = startedAt;
  let stage: string = LMA_STAGES.adviserAppointment;
  const status: ProcessStatus = 'active';
  const details: LmaDetails = { estate: input.estate, group: input.group, services: input.services };
  const tasks = new TaskBook(() => stage);
  const title = `Local Management Agreement: ${input.group.name}, ${input.estate}`;

  const registryEntry = () => ({
    processId: workflowInfo().workflowId,
    kind: 'lma' as const,
    council: input.council,
    businessKey: lmaBusinessKey(input),
    title,
    stage,
    status,
    startedBy: input.startedBy.userId,
    startedAt,
    updatedAt,
  });
  const view = (): ProcessView<LmaDetails> => ({
    ...registryEntry(),
    startedBy: input.startedBy,
    openTasks: tasks.openTasks(),
    decisions: tasks.decisions,
    details,
  });
  setHandler(processViewQuery, view);

  const moveTo = async (next: string): Promise<void> => {
    stage = next;
    updatedAt = workflowNow();
    upsertSearchAttributes([{ key: processStageKey, value: next }]);
    await registry.recordProcess(registryEntry());
  };

  await registry.recordProcess(registryEntry());

  // Step 2: the council appoints an adviser (housing_manager) to the group.
  await tasks.decide(
    {
      taskId: 'appoint-adviser',
      kind: 'appoint_adviser',
      title: "Appoint an adviser to the residents' group",
      role: 'housing_manager',
      outcomes: ['appoint'],
      requiredFormFields: ['adviserUserId', 'adviserName'],
      data: { estate: input.estate, group: input.group, services: input.services },
    },
    async (decision) => {
      details.adviser = {
        userId: formField(decision, 'adviserUserId'),
        name: formField(decision, 'adviserName'),
        appointedBy: decision.actor,
        appointedAt: decision.decidedAt,
      };
      await moveTo(LMA_STAGES.outlinePlan);
    },
  );

  // Step 3 onwards (outline plan, indicative payments, ...) arrive with the LMA process issue, behind
  // patched(); until then the process waits here, at the outline plan stage, for ever.
  await condition(() => false);
}
