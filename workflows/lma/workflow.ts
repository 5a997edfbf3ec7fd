import { condition, patched, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { workflowNow } from '../common/clock';
import { activities, processEngine } from '../common/engine';
import { DEFAULT_POLICY } from '../common/policy';
import { processViewQuery, type ProcessStatus, type ProcessView } from '../common/process';
import { processStageKey } from '../common/search-attributes';
import { TaskBook, formField } from '../common/tasks';
import { LMA_STAGES, lmaBusinessKey, lmaGroupKey, type LmaDetails, type LmaStartInput } from './messages';

/** PROCESSES.md §1, Local Management Agreement: expression of interest onwards. */
export async function localManagementAgreement(input: LmaStartInput): Promise<void> {
  // Processes started before the engine core (inbox, timeline, deadlines, notifications, documents)
  // replay without it; see test/histories/lma-v1-adviser-appointed.json.
  const withEngine = patched('engine-core');
  const policy = input.policy ?? DEFAULT_POLICY;
  const startedAt = workflowNow();
  let updatedAt = startedAt;
  let stage: string = LMA_STAGES.adviserAppointment;
  const status: ProcessStatus = 'active';
  const details: LmaDetails = { estate: input.estate, group: input.group, services: input.services };
  const title = `Local Management Agreement: ${input.group.name}, ${input.estate}`;
  const processId = workflowInfo().workflowId;
  const groupKey = lmaGroupKey(input.group.name);

  const registryEntry = () => ({
    processId,
    kind: 'lma' as const,
    council: input.council,
    businessKey: lmaBusinessKey(input),
    groupKey,
    title,
    stage,
    status,
    startedBy: input.startedBy.userId,
    startedAt,
    updatedAt,
  });
  const engine = withEngine
    ? processEngine({ processId, kind: 'lma', council: input.council, groupKey, title }, policy, registryEntry)
    : undefined;
  const tasks = new TaskBook(() => stage, engine?.hooks);
  const view = (): ProcessView<LmaDetails> => ({
    ...registryEntry(),
    startedBy: input.startedBy,
    openTasks: tasks.openTasks(),
    decisions: tasks.decisions,
    details,
  });
  setHandler(processViewQuery, view);

  const moveTo = async (next: string, because: string, actor: LmaStartInput['startedBy']): Promise<void> => {
    stage = next;
    updatedAt = workflowNow();
    upsertSearchAttributes([{ key: processStageKey, value: next }]);
    await (engine ? engine.event('stage_changed', because, actor) : activities.recordProcess(registryEntry()));
  };

  await (engine ? engine.event('process_started', `Expression of interest from ${input.group.name}`, input.startedBy) : activities.recordProcess(registryEntry()));

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

  // Step 3 onwards (outline plan, indicative payments, ...) arrive with the LMA process issue, behind
  // patched(); until then the process waits here, at the outline plan stage, for ever.
  await condition(() => false);
}
