import {
  CancellationScope,
  CancelledFailure,
  condition,
  getExternalWorkflowHandle,
  isCancellation,
  patched,
  setHandler,
  startChild as startChildWorkflow,
  upsertSearchAttributes,
  workflowInfo,
  type SignalDefinition,
  type Workflow,
} from '@temporalio/workflow';
import type { UpdateDefinition } from '@temporalio/common';
import { workflowNow } from './clock';
import { countedActivities, failureThatCannotSucceed, processEngine, type ActivityCounter } from './engine';
import { inboxTaskId, type AuditedCommand, type DocumentSection, type ProcessRef } from './engine-types';
import type { CommonPolicy } from './policy';
import {
  cancelUpdate,
  childSettledSignal,
  processStartedUpdate,
  processViewQuery,
  retryIncidentUpdate,
  withdrawUpdate,
  type Incident,
  type EndProcessInput,
  type ProcessRegistryEntry,
  type ProcessStatus,
  type ProcessView,
} from './process';
import { person, type Actor, type Role } from './roles';
import { businessKeyKey, councilKey, processKindKey, processStageKey } from './search-attributes';
import { TASK_REFUSALS, TaskBook, publicDecision, refuse, type FormDeclaration, type OpenedTask } from './tasks';
import { storableLine } from './text';

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
 * Which of the frame's versions a run takes, decided once at its start in the order the patches were
 * added (their markers' order is part of the command sequence). A kind with no runs from before the
 * current frame (`versions: 'current'`) takes every current path without asking. Two are asked later,
 * when their moment comes, as their markers were recorded then: whether a decision's answer waits for
 * what it set off (asked as the task book is made) and whether the start's answer does (asked at it).
 */
function frameVersion(options: Pick<FrameOptions<object, object>, 'withoutEngine' | 'parent' | 'versions'>) {
  const current = options.versions === 'current';
  const ask = (patch: string) => current || patched(patch);
  const engine = !options.withoutEngine;
  /** Local activities; earlier runs replay with the (remote) activities they used. */
  const local = engine && ask('local-engine-activities');
  return {
    local,
    /** One local activity at a time: concurrent ones made runs that could not replay. */
    oneAtATime: local && ask('local-activities-one-at-a-time'),
    /** A write that cannot succeed becomes an incident (not in a child: its parent's process shows it). */
    withIncidents: engine && !options.parent && ask('activity-incidents'),
    /** A process, or a child cancelled from outside, ends only once its tasks' writes and children are done. */
    endsAfterChildren: engine && ask('end-after-children'),
    answersWhenSettled: () => ask('answer-when-settled'),
    startAnswerAfterStepsBegin: () => ask('start-answer-after-steps-begin'),
    /** A deadline already passed fires at once through a 1 ms timer; kinds from before keep the SDK's handling of 0. */
    deadlineFloorMs: current ? 1 : 0,
  };
}

/**
 * The generic part of every process: stage and status, the view query, moving between stages (search
 * attribute, registry row, timeline), finishing, withdraw and cancel, and the task book. Every handler
 * is registered here, before the workflow's first await, so no command finds a workflow without one.
 */
/** `Forms`: the process's task kinds and their forms, so a task of a kind it never declared does not compile. */
export function processFrame<Details extends object, Forms extends object>(options: FrameOptions<Details, Forms>) {
  const processId = workflowInfo().workflowId;
  const parent = options.parent;
  const keyPrefix = options.keyPrefix ?? '';
  const startedAt = options.startedAt ?? workflowNow();
  let updatedAt = workflowNow();
  let stage = options.stage;
  let status: ProcessStatus = 'active';
  const details = options.details;

  const header = (): ProcessRegistryEntry => ({
    processId,
    kind: options.kind,
    council: options.council,
    businessKey: options.businessKey,
    groupKey: options.groupKey,
    title: options.title,
    stage,
    status,
    startedBy: options.startedBy.userId,
    startedAt,
    updatedAt,
    ...(withIncidents ? { incident: incident ?? null } : {}),
  });
  // An ended process's row keeps its last view, so reading it never means replaying its history.
  const registryEntry = (): ProcessRegistryEntry => (status === 'active' || parent ? header() : { ...header(), finalView: view() });
  const ref: ProcessRef = parent
    ? { ...parent, owner: { workflowId: processId, kind: options.kind } }
    : {
        processId,
        kind: options.kind,
        council: options.council,
        groupKey: options.groupKey,
        title: options.title,
        ...(options.parties?.length ? { parties: options.parties } : {}),
      };
  const counter: ActivityCounter = { inFlight: 0 };
  const version = frameVersion(options);
  const { local, oneAtATime, withIncidents, endsAfterChildren } = version;
  const activities = countedActivities(counter, { local, oneAtATime });
  let incident: Incident | undefined;
  let retryRequested: Actor | undefined;
  const engine = options.withoutEngine
    ? undefined
    : processEngine(
        activities,
        ref,
        options.policy,
        parent ? undefined : registryEntry,
        () => stage,
        keyPrefix,
        local,
        withIncidents ? guardAgainstIncidents : undefined,
      );
  const settled = () => counter.inFlight === 0;
  // Tasks that child workflows opened, as they reported them: part of what a decision here set off.
  const reported: OpenedTask[] = [];
  const childrenStarting = new Set<string>();
  /** Children started and not yet closed: a process ends only once they have (their tasks withdrawn). */
  let childrenRunning = 0;
  // The wait keeps the shape it had (one condition): the order of a process's last writes and a decision's answer depends on it.
  const withdrawn = () => tasks.settled() && (!endsAfterChildren || childrenRunning === 0);
  const tasks = new TaskBook<Forms>({
    forms: options.forms,
    answersWhenSettled: engine !== undefined && version.answersWhenSettled(),
    deadlineFloorMs: version.deadlineFloorMs,
    currentStage: () => stage,
    ...(engine ? { hooks: engine.hooks } : {}),
    inboxId: (taskId) => inboxTaskId(ref.processId, taskId),
    settled,
    reported: () => reported,
  });
  /** A child counts as in flight from its start until it reports its first tasks (or ends without). */
  const childDone = (workflowId: string) => {
    if (childrenStarting.delete(workflowId)) counter.inFlight -= 1;
  };
  setHandler(childSettledSignal, ({ workflowId, opened }) => {
    reported.push(...opened);
    childDone(workflowId);
  });

  const view = (): ProcessView<Details> => ({
    ...header(),
    startedBy: person(options.startedBy),
    openTasks: tasks.openTasks(),
    decisions: tasks.decisions.map(publicDecision),
    details,
    policy: options.policy as unknown as Record<string, unknown>,
    // Over the registry entry's null: the view has the incident while there is one, else none.
    incident,
  });
  setHandler(processViewQuery, view);
  // The start's answer waits for the steps to begin: an update delivered with the start runs before them.
  let running = false;
  setHandler(processStartedUpdate, async () => {
    const afterRunBegins = version.startAnswerAfterStepsBegin();
    await condition(() => (running || !afterRunBegins) && settled());
    return { stage, opened: [...tasks.openedSince(new Set()), ...reported] };
  });

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

  /** `notify`: roles emailed the change, beyond the timeline (e.g. finance, of funding released). */
  const moveTo = async (next: string, because: string, actor?: Actor, notify?: Role[]): Promise<void> => {
    stage = next;
    updatedAt = workflowNow();
    if (!parent) upsertSearchAttributes([{ key: processStageKey, value: next }]);
    await record('stage_changed', because, actor, undefined, notify);
  };

  let finished = false;
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
    status = nextStatus;
    stage = next;
    updatedAt = workflowNow();
    if (!parent) upsertSearchAttributes([{ key: processStageKey, value: next }]);
    await record('process_finished', because, actor, command);
    finished = true;
  };

  // Withdrawal or cancellation at any step cancels the process's work, then ends it.
  let ending: { stage: string; status: ProcessStatus; input: EndProcessInput } | undefined;
  const lifecycle = new CancellationScope();
  if (!parent) {
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
          status !== 'active' || ending ? { type: TASK_REFUSALS.processEnded, message: 'the process has already ended' } : undefined,
        reasonsRequired: true,
        handle: async (input) => {
          ending = { stage: end.stage, status: end.status, input };
          lifecycle.cancel();
          await condition(() => finished);
          return { stage };
        },
      });
    }
  }

  /**
   * Runs one engine write. One that fails in a way retrying cannot fix (data the database refuses)
   * opens an incident: shown in the view, on the timeline and the registry row as far as they can be
   * written, until a programme manager has it tried again or ends the process.
   */
  async function guardAgainstIncidents<T>(activity: string, call: () => Promise<T>): Promise<T> {
    for (let attempts = 1; ; attempts += 1) {
      try {
        return await call();
      } catch (err) {
        const failure = failureThatCannotSucceed(err);
        if (!failure) throw err;
        incident = { activity, message: storableLine(failure.message, 500), since: incident?.since ?? workflowNow(), attempts };
        retryRequested = undefined;
        updatedAt = workflowNow();
        await engine
          ?.incidentEvent(
            'incident_opened',
            `Stopped: ${activity} failed (${incident.message}); a programme manager can retry it or cancel the process`,
          )
          .catch(() => undefined);
        await condition(() => retryRequested !== undefined || ending !== undefined);
        if (!retryRequested) {
          // Ended instead: the incident goes with the step that waited on it.
          incident = undefined;
          throw new CancelledFailure(`the process ended while ${activity} waited on an incident`);
        }
        const by = retryRequested;
        incident = undefined;
        updatedAt = workflowNow();
        await engine
          ?.incidentEvent('incident_retried', `${activity} tried again`, {
            actor: by,
            command: { action: 'process.retry_incident', details: { activity } },
          })
          .catch(() => undefined);
      }
    }
  }
  if (withIncidents) {
    setHandler(
      retryIncidentUpdate,
      async ({ actor }) => {
        retryRequested = actor;
        await condition(settled);
        return { stage };
      },
      {
        validator: (input) => {
          if (!incident) refuse(TASK_REFUSALS.ruleViolation, 'the process has no incident to retry');
          if (input?.actor?.role !== 'programme_manager')
            refuse(TASK_REFUSALS.actorNotAllowed, 'only the programme_manager role can retry an incident');
        },
      },
    );
  }

  /**
   * Runs the process's steps. A withdrawal or cancellation cancels them (their open tasks leave the
   * inbox) and finishes the process, with the reasons, as the person who ended it.
   */
  const run = async (steps: () => Promise<void>): Promise<void> => {
    running = true;
    try {
      await lifecycle.run(parent ? () => reportingFirstSteps(steps) : steps);
    } catch (err) {
      if (!(isCancellation(err) && ending)) {
        // Cancelled from outside (a child its parent ended): what it was withdrawing finishes first.
        if (isCancellation(err) && endsAfterChildren) await CancellationScope.nonCancellable(() => condition(withdrawn));
        throw err;
      }
      const end = ending;
      const who =
        end.status === 'withdrawn' ? `Withdrawn by ${options.withdrawnBy?.name ?? end.input.actor.role}` : 'Cancelled by the council';
      await finish(end.stage, end.status, `${who}: ${end.input.reasons}`, end.input.actor, {
        action: end.status === 'withdrawn' ? 'process.withdraw' : 'process.cancel',
        details: { reasons: end.input.reasons, stage: end.stage },
      });
    }
  };

  /** A child's steps, telling its parent once its first tasks are in the inbox. */
  const reportingFirstSteps = async (steps: () => Promise<void>): Promise<void> => {
    const running = steps();
    await condition(settled);
    const parentWorkflowId = workflowInfo().parent?.workflowId;
    if (parentWorkflowId)
      await getExternalWorkflowHandle(parentWorkflowId).signal(childSettledSignal, {
        workflowId: processId,
        opened: tasks.openedSince(new Set()),
      });
    await running;
  };

  /**
   * Starts a child workflow of this process (e.g. one negotiation of an SLA set): its tasks and
   * timeline are this process's, it is found with it by its business key, and a decision here that
   * starts it answers once the child's first tasks are in the inbox.
   */
  const startChild = async <T extends (input: never) => Promise<unknown>>(workflowType: T, workflowId: string, input: Parameters<T>[0]) => {
    counter.inFlight += 1;
    childrenStarting.add(workflowId);
    try {
      const child = await startChildWorkflow(workflowType as unknown as Workflow, {
        workflowId,
        args: [input],
        typedSearchAttributes: [
          { key: councilKey, value: ref.council },
          { key: processKindKey, value: ref.kind },
          { key: businessKeyKey, value: ref.processId },
        ],
      });
      childrenRunning += 1;
      const closed = () => {
        childrenRunning -= 1;
        childDone(workflowId);
      };
      void child.result().then(closed, closed);
      return child;
    } catch (err) {
      childDone(workflowId);
      throw err;
    }
  };

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

  /**
   * An extra command of the process (an update beside the task book, e.g. a variation request): one
   * place checks it, in this order, before anything reaches the history: the stage (`notNow` says why
   * not now, with its refusal type), any rule of the process (`refuseWhen`), the role, reasons when
   * required, then the input itself (`checkInput`). `handle` changes what the command changes.
   */
  function command<Input extends { actor: Actor; reasons?: string }, Result>(
    update: UpdateDefinition<Result, [Input]>,
    spec: {
      roles: Role[];
      /** Who may send it, in words, for the refusal. */
      whoMay: string;
      notNow: (stage: string) => { type: string; message: string } | undefined;
      refuseWhen?: (input: Input) => string | undefined;
      reasonsRequired?: boolean;
      checkInput?: (input: Input) => string | undefined;
      handle: (input: Input) => Promise<Result>;
    },
  ): void {
    setHandler(update, spec.handle, {
      validator: (input) => {
        const notNow = spec.notNow(stage);
        if (notNow) refuse(notNow.type, notNow.message);
        const rule = spec.refuseWhen?.(input);
        if (rule) refuse(TASK_REFUSALS.ruleViolation, rule);
        if (!spec.roles.includes(input?.actor?.role)) refuse(TASK_REFUSALS.actorNotAllowed, spec.whoMay);
        if (spec.reasonsRequired && (typeof input.reasons !== 'string' || input.reasons.trim() === ''))
          refuse(TASK_REFUSALS.reasonRequired, 'reasons are required');
        const problem = spec.checkInput?.(input);
        if (problem) refuse(TASK_REFUSALS.invalidForm, problem);
      },
    });
  }

  /**
   * Signals another workflow (a parent, another process) through the one tracked path: the decision
   * that set it off answers once it is delivered, and a failure reaches the caller, never swallowed.
   */
  const signal = <Args extends unknown[]>(workflowId: string, definition: SignalDefinition<Args>, ...args: Args): Promise<void> =>
    track(getExternalWorkflowHandle(workflowId).signal(definition, ...args));

  /**
   * A scope a step can cancel on its own (e.g. what follows an ALMO's launch, ended by an options
   * review) that the process's withdrawal or cancellation reaches too, wherever it is created.
   */
  const stepScope = () => new CancellationScope({ parent: lifecycle, cancellable: true });

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
    stage: () => stage,
    /** A timeline entry of a step that moves no stage (a workstream done, a deadlock escalated): who, and what happened. */
    note: (what: string, actor?: Actor) => record('note', what, actor),
    /** The process's own activities (its definition's), through the same counted proxy as the engine's. */
    ownActivities: <Own extends object>() => activities as unknown as Own,
    record,
    moveTo,
    finish,
    run,
    document,
    startChild,
    stepScope,
    track,
    signal,
    command,
    /** A task id unique within the process: a child's own ids carry its prefix. */
    taskId: (local: string) => (parent ? `${keyPrefix}${local}` : local),
  };
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
