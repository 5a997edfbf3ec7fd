import {
  CancellationScope,
  condition,
  getExternalWorkflowHandle,
  isCancellation,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
  type SignalDefinition,
} from '@temporalio/workflow';
import type { UpdateDefinition } from '@temporalio/common';
import { workflowNow } from './clock';
import { countedActivities, processEngine, type ActivityCounter, type ProcessEngine } from './engine';
import { inboxTaskId, type AuditedCommand, type DocumentSection, type ProcessRef } from './engine-types';
import { FrameChildren, reportingFirstSteps } from './frame-children';
import { acceptCommand, type CommandSpec } from './frame-command';
import { processIncidents } from './frame-incidents';
import type { FrameState } from './frame-state';
import { frameVersion } from './frame-version';
import type { CommonPolicy } from './policy';
import {
  cancelUpdate,
  processStartedUpdate,
  processViewQuery,
  withdrawUpdate,
  type ProcessRegistryEntry,
  type ProcessStatus,
  type ProcessView,
} from './process';
import { person, type Actor, type Role } from './roles';
import { processStageKey } from './search-attributes';
import { TASK_REFUSALS, TaskBook, publicDecision, type FormDeclaration, type OpenedTask } from './tasks';

/** The stages every process can end in early. */
export const ENDED_EARLY = { withdrawn: 'withdrawn', cancelled: 'cancelled' } as const;

export interface FrameOptions<Details extends object, Forms extends object> {
  kind: string;
  /** Its task kinds and what each form must fill in (its messages' declaration). */
  forms: FormDeclaration<Forms>;
  council: string;
  groupKey: string;
  title: string;
  businessKey: string;
  startedBy: Actor;
  /** When the process started; a later run (continue-as-new) passes the first run's. */
  startedAt?: string;
  stage: string;
  policy: CommonPolicy;
  details: Details;
  /** Roles party to the process beyond the council and the residents' group: told of each decision and the end. */
  parties?: Role[];
  /**
   * `'current'` for a kind with no runs from before the frame's current version: it takes every current
   * path without evaluating the frame's patches (see `frameVersion`). Kinds with older runs leave it unset.
   */
  versions?: 'current';
  /** Who may withdraw the process (e.g. resident_rep, "the group"); without it only the council can end it early. */
  withdrawnBy?: { role: Role; name: string };
  /** Prefix of this run's timeline keys, so a later run (continue-as-new) writes entries of its own. */
  keyPrefix?: string;
  /** Processes started before the engine core run without inbox, timeline and the rest: the LMA's first version. */
  withoutEngine?: boolean;
  /**
   * Makes this workflow a child of a process (e.g. one SLA negotiation): its tasks, timeline and
   * documents are the parent process's; it has no registry row and cannot be withdrawn or cancelled
   * itself (the parent cancels it). Its task ids and keys get `keyPrefix`, unique within the process.
   */
  parent?: ProcessRef;
}

/**
 * The generic part of every process: stage and status, the view query, moving between stages (search
 * attribute, registry row, timeline), finishing, withdraw and cancel, incidents, children, and the task
 * book. Every handler is registered here, before the workflow's first await, so no command finds a
 * workflow without one. `Forms`: the process's task kinds and their forms, so a task of a kind it never
 * declared does not compile.
 */
export function processFrame<Details extends object, Forms extends object>(options: FrameOptions<Details, Forms>) {
  const processId = workflowInfo().workflowId;
  const { parent, details } = options;
  const keyPrefix = options.keyPrefix ?? '';
  const startedAt = options.startedAt ?? workflowNow();
  const state: FrameState = { stage: options.stage, status: 'active', updatedAt: workflowNow(), finished: false, running: false };
  const ref = processRefOf(options, processId);
  const counter: ActivityCounter = { inFlight: 0 };
  const version = frameVersion(options);
  if (version.writesTogether) state.recordedStage = state.stage;
  const activities = countedActivities(counter, {
    local: version.local,
    oneAtATime: version.oneAtATime,
    ...(version.writesTogether
      ? { together: version.withIncidents ? { guard: (activity, call) => incidents.guard(activity, call) } : {} }
      : {}),
  });
  const incidents = processIncidents(state, (): ProcessEngine | undefined => engine);
  const { registryEntry, view } = readModelOf(options, processId, startedAt, state, version.withIncidents, (): TaskBook<Forms> => tasks);
  const engine = options.withoutEngine
    ? undefined
    : processEngine(
        activities,
        ref,
        options.policy,
        parent ? undefined : registryEntry,
        () => state.stage,
        keyPrefix,
        version.local,
        version.withIncidents ? incidents.guard : undefined,
      );
  const settled = () => counter.inFlight === 0;
  /** Every write asked for is written; one that failed with nobody waiting on it (no incident took it) fails the run. */
  const allWritten = async (): Promise<void> => {
    await CancellationScope.nonCancellable(() => condition(settled));
    if (counter.failed) throw counter.failed;
  };
  const children = new FrameChildren(counter, ref);
  // The wait keeps the shape it had (one condition): the order of a process's last writes and a decision's answer depends on it.
  const withdrawn = () => tasks.settled() && (!version.endsAfterChildren || children.running === 0);
  const tasks = new TaskBook<Forms>({
    forms: options.forms,
    answersWhenSettled: engine !== undefined && version.answersWhenSettled(),
    writesTogether: version.writesTogether,
    deadlineFloorMs: version.deadlineFloorMs,
    currentStage: () => state.stage,
    ...(engine ? { hooks: engine.hooks } : {}),
    inboxId: (taskId) => inboxTaskId(ref.processId, taskId),
    settled,
    reported: () => children.reported,
  });
  children.listen();
  setHandler(processViewQuery, view);
  // The start's answer waits for the steps to begin: an update delivered with the start runs before them.
  setHandler(processStartedUpdate, async (input) => {
    const afterRunBegins = version.startAnswerAfterStepsBegin();
    await condition(() => (state.running || !afterRunBegins) && settled());
    const startedHere = input && !workflowInfo().continuedFromExecutionRunId;
    return {
      stage: state.stage,
      opened: [...tasks.openedSince(new Set()), ...children.reported],
      ...(startedHere ? { startRequest: input.startRequest } : {}),
    };
  });

  const { record, recordAsItGoes, moveTo, finish } = stagesOf(
    options,
    processId,
    ref,
    state,
    engine,
    activities,
    registryEntry,
    withdrawn,
    version.writesTogether,
  );

  const command = <Input extends { actor: Actor; reasons?: string }, Result>(
    update: UpdateDefinition<Result, [Input]>,
    spec: CommandSpec<Input, Result>,
  ) => acceptCommand(() => state.stage, update, spec);

  // Withdrawal or cancellation at any step cancels the process's work, then ends it.
  const lifecycle = new CancellationScope();
  if (!parent) acceptEndings(options, state, lifecycle, command);
  if (version.withIncidents) incidents.acceptRetries(settled);

  const run = runnerOf(options, state, lifecycle, {
    settled,
    withdrawn,
    endsAfterChildren: version.endsAfterChildren,
    finish,
    firstTasks: () => tasks.openedSince(new Set()),
    ...(version.writesTogether ? { allWritten } : {}),
  });

  /**
   * Counts work that is not an activity (a signal telling the parent a child's outcome) as in flight,
   * so the decision that set it off answers only once it is done: read your own writes across workflows.
   */
  const track = <T>(work: Promise<T>): Promise<T> => {
    counter.inFlight += 1;
    const settle = () => {
      counter.inFlight -= 1;
    };
    void work.then(settle, settle);
    return work;
  };

  /** `public`: readable at its link without signing in (terms of reference the guidance says are public). */
  const document = (
    key: string,
    step: string,
    kind: string,
    title: string,
    sections: DocumentSection[],
    options: { public?: boolean } = {},
  ) => {
    if (!engine) throw new Error('documents need the engine core');
    return engine.document(parent ? `${keyPrefix}${key}` : key, step, kind, title, sections, options);
  };

  return {
    processId,
    ref,
    activities,
    engine,
    tasks,
    details,
    policy: options.policy,
    startedAt,
    stage: () => state.stage,
    /** A timeline entry of a step that moves no stage (a workstream done, a deadlock escalated): who, and what happened. */
    note: (what: string, actor?: Actor) => recordAsItGoes(record('note', what, actor)),
    /** The process's own activities (its definition's), through the same counted proxy as the engine's. */
    ownActivities: <Own extends object>() => activities as unknown as Own,
    record: (...args: Parameters<typeof record>) => recordAsItGoes(record(...args)),
    moveTo,
    finish,
    run,
    document,
    /**
     * Starts a child workflow of this process (e.g. one negotiation of an SLA set): a decision here that
     * starts it answers once the child's first tasks are in the inbox.
     */
    startChild: <T extends (input: never) => Promise<unknown>>(workflowType: T, workflowId: string, input: Parameters<T>[0]) =>
      children.start(workflowType, workflowId, input),
    /**
     * A scope a step can cancel on its own (e.g. what follows an ALMO's launch, ended by an options
     * review) that the process's withdrawal or cancellation reaches too, wherever it is created.
     */
    stepScope: () => new CancellationScope({ parent: lifecycle, cancellable: true }),
    track,
    /**
     * Signals another workflow (a parent, another process) through the one tracked path: the decision
     * that set it off answers once it is delivered, and a failure reaches the caller, never swallowed.
     */
    signal: <Args extends unknown[]>(workflowId: string, definition: SignalDefinition<Args>, ...args: Args): Promise<void> =>
      track(getExternalWorkflowHandle(workflowId).signal(definition, ...args)),
    command,
    /** A task id unique within the process: a child's own ids carry its prefix. */
    taskId: (local: string) => (parent ? `${keyPrefix}${local}` : local),
  };
}

/** Moving between stages and finishing: the state, the search attribute, and the timeline entry. */
function stagesOf<Details extends object, Forms extends object>(
  options: FrameOptions<Details, Forms>,
  processId: string,
  ref: ProcessRef,
  state: FrameState,
  engine: ProcessEngine | undefined,
  activities: ReturnType<typeof countedActivities>,
  registryEntry: () => ProcessRegistryEntry,
  withdrawn: () => boolean,
  writesTogether: boolean,
) {
  const { parent, details } = options;
  /** Records the registry row and a timeline entry for a change (the row alone before the engine core). */
  const record = (
    kind: 'process_started' | 'stage_changed' | 'note' | 'process_finished',
    because: string,
    actor?: Actor,
    command?: AuditedCommand,
    notify?: Role[],
  ): Promise<void> => {
    // The start is the command of whoever started the process: audited with its first entry.
    const audited =
      command ??
      (kind === 'process_started' && actor
        ? { action: 'process.start', details: { kind: options.kind, council: ref.council, businessKey: processId } }
        : undefined);
    return engine
      ? engine.event(kind, because, {
          ...(actor ? { actor } : {}),
          ...(audited ? { command: audited } : {}),
          ...(notify ? { notify } : {}),
        })
      : activities.recordProcess(registryEntry());
  };

  /** Sets the stage (and its search attribute) as of now. */
  const stageIs = (next: string) => {
    state.stage = next;
    state.updatedAt = workflowNow();
    if (!parent) upsertSearchAttributes([{ key: processStageKey, value: next }]);
  };

  /**
   * What a step records as it goes: written before the step goes on, or, with writes together, with
   * what the step does next (its next task), in order; the run ends only once all are written.
   */
  const recordAsItGoes = (written: Promise<void>): Promise<void> => {
    if (!writesTogether) return written;
    // Its failure is its batch's: an incident, or the run's failure once the writes settle.
    void written.catch(() => undefined);
    return Promise.resolve();
  };

  /** `notify`: roles emailed the change, beyond the timeline (e.g. finance, of funding released). */
  const moveTo = async (next: string, because: string, actor?: Actor, notify?: Role[]): Promise<void> => {
    stageIs(next);
    const written = record('stage_changed', because, actor, undefined, notify);
    if (writesTogether)
      void written.then(
        () => (state.recordedStage = next),
        () => undefined,
      );
    await recordAsItGoes(written);
  };

  const finish = async (
    next: string,
    nextStatus: ProcessStatus,
    because: string,
    actor?: Actor,
    command?: AuditedCommand,
  ): Promise<void> => {
    // Tasks being withdrawn (and children ending) finish first, so the timeline ends with the end of the process.
    await condition(withdrawn);
    (details as { endedBecause?: string }).endedBecause = because;
    state.status = nextStatus;
    stageIs(next);
    await record('process_finished', because, actor, command);
    if (writesTogether) state.recordedStage = next;
    state.finished = true;
  };

  return { record, recordAsItGoes, moveTo, finish };
}

/**
 * Runs the process's steps. A withdrawal or cancellation cancels them (their open tasks leave the
 * inbox) and finishes the process, with the reasons, as the person who ended it.
 */
function runnerOf(
  options: FrameOptions<object, object>,
  state: FrameState,
  lifecycle: CancellationScope,
  parts: {
    settled: () => boolean;
    withdrawn: () => boolean;
    endsAfterChildren: boolean;
    finish: ReturnType<typeof stagesOf>['finish'];
    firstTasks: () => OpenedTask[];
    /** Waits for the writes a run's steps did not wait for (with writes together; absent in runs from before). */
    allWritten?: () => Promise<void>;
  },
) {
  const { parent } = options;
  return async (steps: () => Promise<void>): Promise<void> => {
    state.running = true;
    try {
      await lifecycle.run(parent ? () => reportingFirstSteps(steps, parts.settled, workflowInfo().workflowId, parts.firstTasks) : steps);
      if (parts.allWritten) await parts.allWritten();
    } catch (err) {
      const end = state.ending;
      if (!(isCancellation(err) && end)) {
        // Cancelled from outside (a child its parent ended): what it was withdrawing finishes first.
        if (isCancellation(err) && parts.endsAfterChildren) await CancellationScope.nonCancellable(() => condition(parts.withdrawn));
        // A run continuing as new (or failing) goes once what its steps recorded is written.
        if (parts.allWritten) await parts.allWritten();
        throw err;
      }
      const who =
        end.status === 'withdrawn' ? `Withdrawn by ${options.withdrawnBy?.name ?? end.input.actor.role}` : 'Cancelled by the council';
      await parts.finish(end.stage, end.status, `${who}: ${end.input.reasons}`, end.input.actor, {
        action: end.status === 'withdrawn' ? 'process.withdraw' : 'process.cancel',
        details: { reasons: end.input.reasons, stage: end.stage },
      });
    }
  };
}

/** How the engine names the process on everything it writes: a child by its parent's process. */
function processRefOf(options: FrameOptions<object, object>, processId: string): ProcessRef {
  const { parent } = options;
  return parent
    ? { ...parent, owner: { workflowId: processId, kind: options.kind } }
    : {
        processId,
        kind: options.kind,
        council: options.council,
        groupKey: options.groupKey,
        title: options.title,
        ...(options.parties?.length ? { parties: options.parties } : {}),
      };
}

/** The process as it is read: its registry row and its view (the query). */
function readModelOf<Details extends object, Forms extends object>(
  options: FrameOptions<Details, Forms>,
  processId: string,
  startedAt: string,
  state: FrameState,
  withIncidents: boolean,
  tasks: () => TaskBook<Forms>,
) {
  const header = (): ProcessRegistryEntry => ({
    processId,
    kind: options.kind,
    council: options.council,
    businessKey: options.businessKey,
    groupKey: options.groupKey,
    title: options.title,
    // Stopped on an incident, a process is read at the stage its records reached, not the one its steps went on to.
    stage: state.incident && state.recordedStage !== undefined ? state.recordedStage : state.stage,
    status: state.status,
    startedBy: options.startedBy.userId,
    startedAt,
    updatedAt: state.updatedAt,
    ...(withIncidents ? { incident: state.incident ?? null } : {}),
  });
  const view = (): ProcessView<Details> => ({
    ...header(),
    startedBy: person(options.startedBy),
    openTasks: tasks().openTasks(),
    decisions: tasks().decisions.map(publicDecision),
    details: options.details,
    policy: options.policy as unknown as Record<string, unknown>,
    // Over the registry entry's null: the view has the incident while there is one, else none.
    incident: state.incident,
  });
  // An ended process's row keeps its last view, so reading it never means replaying its history.
  const registryEntry = (): ProcessRegistryEntry =>
    state.status === 'active' || options.parent ? header() : { ...header(), finalView: view() };
  return { header, registryEntry, view };
}

/** Withdrawal (by whom the process names) and cancellation (by the council): commands that end it early. */
function acceptEndings(
  options: FrameOptions<object, object>,
  state: FrameState,
  lifecycle: CancellationScope,
  command: <Input extends { actor: Actor; reasons?: string }, Result>(
    update: UpdateDefinition<Result, [Input]>,
    spec: CommandSpec<Input, Result>,
  ) => void,
): void {
  const endings = [
    ...(options.withdrawnBy
      ? [{ update: withdrawUpdate, role: options.withdrawnBy.role, stage: ENDED_EARLY.withdrawn, status: 'withdrawn' as const }]
      : []),
    { update: cancelUpdate, role: 'programme_manager' as Role, stage: ENDED_EARLY.cancelled, status: 'cancelled' as const },
  ];
  for (const end of endings) {
    command(end.update, {
      roles: [end.role],
      whoMay: `only the ${end.role} role can do this`,
      notNow: () =>
        state.status !== 'active' || state.ending
          ? { type: TASK_REFUSALS.processEnded, message: 'the process has already ended' }
          : undefined,
      reasonsRequired: true,
      handle: async (input) => {
        state.ending = { stage: end.stage, status: end.status, input };
        lifecycle.cancel();
        await condition(() => state.finished);
        return { stage: state.stage };
      },
    });
  }
}

/**
 * The frame of a child workflow of a process (one negotiation of an SLA set, the fixture's
 * inspection): its tasks, timeline and documents are the parent process's, so it takes the parent's
 * council, group, title and business key, and acts as the system. `keyPrefix` keeps its task ids and
 * keys apart from the parent's and its siblings'.
 */
export function childFrame<Details extends object, Forms extends object>(
  options: Pick<FrameOptions<Details, Forms>, 'kind' | 'forms' | 'stage' | 'policy' | 'details'> & {
    parent: ProcessRef;
    keyPrefix: string;
  },
) {
  const { parent } = options;
  return processFrame<Details, Forms>({
    ...options,
    council: parent.council,
    groupKey: parent.groupKey,
    title: parent.title,
    businessKey: parent.processId,
    startedBy: { userId: 'system', role: 'programme_manager' },
  });
}

export type ProcessFrame<Details extends object, Forms extends object> = ReturnType<typeof processFrame<Details, Forms>>;

/** What every step of a process reads of its frame: a process's step context (`steps/context.ts`) extends it. */
export interface StepContext<Details extends object, Forms extends object> {
  frame: ProcessFrame<Details, Forms>;
  details: Details;
  tasks: ProcessFrame<Details, Forms>['tasks'];
  moveTo: ProcessFrame<Details, Forms>['moveTo'];
  finish: ProcessFrame<Details, Forms>['finish'];
}

export const stepContextOf = <Details extends object, Forms extends object>(
  frame: ProcessFrame<Details, Forms>,
): StepContext<Details, Forms> => ({
  frame,
  details: frame.details,
  tasks: frame.tasks,
  moveTo: frame.moveTo,
  finish: frame.finish,
});
