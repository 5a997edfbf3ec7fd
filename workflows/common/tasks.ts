import {
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  condition,
  defineUpdate,
  isCancellation,
  setHandler,
} from '@temporalio/workflow';
import { millisUntil, workflowNow } from './clock';
import { person, type Actor, type Role } from './roles';

/**
 * Failure types an update validator refuses a completion or assignment with. The API maps each to an
 * HTTP status, so they are part of the contract: rename only with the API.
 */
export const TASK_REFUSALS = {
  taskNotOpen: 'TaskNotOpen',
  outcomeNotAllowed: 'OutcomeNotAllowed',
  reasonRequired: 'ReasonRequired',
  actorNotAllowed: 'ActorNotAllowed',
  invalidForm: 'InvalidForm',
  malformed: 'MalformedCompletion',
  /** A rule of the process forbids the decision now; the message names the rule and its source. */
  ruleViolation: 'RuleViolation',
  /** The process is running but not at a stage that takes this command (e.g. a variation before the agreement operates). */
  notNow: 'NotAllowedNow',
  processEnded: 'ProcessEnded',
} as const;

// PROCESSES.md "People and roles": reasons are required when rejecting or asking for changes.
/** Outcomes that always need reasons, whatever the task (its `reasonsRequiredFor` adds others). */
export const OUTCOMES_NEEDING_REASONS = ['reject', 'request_changes'];

/** A check a process makes on a decision before accepting it: the refusal message, or nothing. */
export type DecisionGuard = (input: CompleteTaskInput) => string | undefined;

type OptionalKeys<Form> = { [F in keyof Form]-?: object extends Pick<Form, F> ? F : never }[keyof Form];
/** The fields a form of this type must fill in: its keys that are not optional. */
export type RequiredKeys<Form> = Exclude<keyof Form, OptionalKeys<Form>> & string;

/**
 * A process's task kinds and what each asks for, read by the workflow: the keys of `Forms` are its task
 * kinds, each value the type of that kind's form (one type; fields that only some outcomes need are
 * optional). Its runtime half marks each kind's required fields, exactly those of the type (the compiler
 * holds them to it): the task book refuses a decision without them, and the definition's zod schema is
 * checked against the same type (`TaskFormsOf` in lib/process-definition.ts).
 */
export type FormDeclaration<Forms> = { readonly [Kind in keyof Forms]: { readonly [Field in RequiredKeys<Forms[Kind]>]: true } };

/** The task kinds a form declaration declares, in its order. */
export const taskKindsOf = <Forms>(forms: FormDeclaration<Forms>) => Object.keys(forms) as (keyof Forms & string)[];

/** A human step the workflow waits on: who may act, and what they may answer. */
export interface TaskSpec {
  /** Unique within the process, stable across replays. */
  taskId: string;
  kind: string;
  title: string;
  role: Role;
  /**
   * For a scoped role's task: what its grant must name, e.g. the partner organisation whose officers act
   * on it (lib `organisationKeyOf`); else the process's residents' group.
   */
  scope?: string;
  /** When set, only this user (holding `role`) may complete the task. */
  assignee?: string;
  outcomes: string[];
  /** Form fields the actor must fill in. */
  requiredFormFields?: string[];
  /** Outcomes that need reasons, besides reject and request_changes. */
  reasonsRequiredFor?: string[];
  /** Business data the actor needs to decide. */
  data?: Record<string, unknown>;
  /** Due this many working days after it opens (the council's calendar); reminded and escalated. */
  dueInWorkingDays?: number;
  /** Who a late task escalates to, where the process says (else the policy's manager of `role`). */
  escalateTo?: Role;
  /** People told of its decision beyond the process's parties (e.g. the service lead of the service it concerns). */
  tell?: string[];
}

export interface TaskView extends TaskSpec {
  openedAt: string;
  dueAt?: string;
  reminderAt?: string;
}

export interface CompleteTaskInput {
  taskId: string;
  outcome: string;
  actor: Actor;
  /** The assignee the actor covers for while they are away (the API checked the absence): the actor may decide their task. */
  onBehalfOf?: string;
  reasons?: string;
  attachments?: string[];
  form?: Record<string, unknown>;
}

export interface AssignTaskInput {
  taskId: string;
  actor: Actor;
  /** Claim: the actor; delegate: another user with the role; release: null. */
  assignee: string | null;
  reason?: string;
  /**
   * A programme manager handing over the task of a person who is away: allowed while the task is still
   * assigned to `from` (the API checked the manager's role and the new assignee's).
   */
  handOver?: { from: string };
}

export interface DecisionRecord {
  taskId: string;
  taskKind: string;
  outcome: string;
  actor: Actor;
  reasons?: string;
  attachments: string[];
  form: Record<string, unknown>;
  decidedAt: string;
  /** The API token the decision came with, for its audit entry. */
  tokenId?: string;
  /** The decider's name, for documents that say who signed. */
  actorName?: string;
}

/** A decision as its step reads it: the form is of its task kind's declared type (the API's zod checked it; the task book, its required fields). */
export type Decision<Form> = Omit<DecisionRecord, 'form'> & { form: Form };

/** A task as a caller needs it to act next: where to find it in the inbox, who acts, by when. */
export interface OpenedTask {
  /** The inbox id (`GET /tasks`, `POST /tasks/:id/complete`). */
  id: string;
  taskId: string;
  kind: string;
  title: string;
  role: Role;
  assignee?: string;
  dueAt?: string;
}

export interface CompleteTaskResult {
  taskId: string;
  outcome: string;
  /** The process stage once the workflow has acted on the decision. */
  stage: string;
  /** The tasks the decision opened, already in the inbox (absent in processes started before this answer existed). */
  opened?: OpenedTask[];
  /** The decision as accepted: a repeated completion is answered with the first one's (absent in older answers). */
  decision?: DecisionRecord;
}

export const completeTaskUpdate = defineUpdate<CompleteTaskResult, [CompleteTaskInput]>('completeTask');
export const assignTaskUpdate = defineUpdate<TaskView, [AssignTaskInput]>('assignTask');

/**
 * What the process engine does around a task (inbox, deadlines, timeline, notifications), given by
 * the workflow. Absent for processes started before the engine existed, which replay as they ran.
 */
export interface TaskHooks {
  opened(task: TaskView): Promise<{ dueAt?: string; reminderAt?: string }>;
  decided(task: TaskView, decision: DecisionRecord): Promise<void>;
  reminded(task: TaskView): Promise<void>;
  escalated(task: TaskView): Promise<void>;
  assigned(task: TaskView, input: AssignTaskInput, sequence: number): Promise<void>;
  /** The task will not be decided: its step was overtaken (the process ended, a term closed). */
  cancelled(task: TaskView, why: string): Promise<void>;
}

/** A decision as its readers see it: the API token it came with is for the audit log only. */
export const publicDecision = ({ tokenId, ...decision }: DecisionRecord): DecisionRecord => {
  void tokenId;
  return decision;
};

/** Refuses an update in its validator: nothing reaches the history, the caller gets `type`. */
export const refuse = (type: string, message: string): never => {
  throw ApplicationFailure.create({ type, message, nonRetryable: true });
};
const isNonEmptyText = (value: unknown): value is string => typeof value === 'string' && value.trim().length > 0;
const isFilled = (value: unknown): boolean => (typeof value === 'string' ? value.trim().length > 0 : value !== undefined && value !== null);

export interface TaskBookOptions<Forms> {
  /** The process's task kinds and the fields each form must fill in. */
  forms: FormDeclaration<Forms>;
  /** A decision answers once what it set off is in the inbox (the frame's version; runs from before answered at once). */
  answersWhenSettled: boolean;
  /**
   * A decision's write goes with what it sets off (the stage it moves to, the task it opens: the frame's
   * version): the step goes on at once, and the decision answers once it is written. Runs from before
   * waited for it first.
   */
  writesTogether?: boolean;
  /** The least wait for a deadline already passed (the frame's version). */
  deadlineFloorMs: number;
  currentStage: () => string;
  /** Absent for processes started before the engine existed, which replay as they ran. */
  hooks?: TaskHooks;
  /** The inbox id of one of this book's tasks. */
  inboxId: (taskId: string) => string;
  /** True when the workflow has no write in flight: what it opened is in the inbox. */
  settled: () => boolean;
  /** Tasks child workflows opened and reported, in order: a decision's answer lists those reported meanwhile. */
  reported?: () => OpenedTask[];
}

/**
 * The open tasks of one process and the decisions taken on them. Installs the `completeTask` and
 * `assignTask` updates, whose validators refuse bad input before anything reaches the workflow history.
 */
export class TaskBook<
  Forms extends object = Record<string, Record<string, unknown>>,
  Kind extends keyof Forms & string = keyof Forms & string,
> {
  private readonly open = new Map<string, TaskView>();
  private readonly received = new Map<string, DecisionRecord>();
  private readonly applied = new Set<string>();
  private readonly unrecorded = new Set<string>();
  /** Whether each decision written with what followed it was written (`writesTogether`). */
  private readonly recorded = new Map<string, Promise<boolean>>();
  private readonly guards = new Map<string, DecisionGuard>();
  private assignments = 0;
  private deciding = 0;
  private readonly currentStage: () => string;
  private readonly hooks?: TaskHooks;
  readonly decisions: DecisionRecord[] = [];
  /**
   * A decision is answered once what it set off is in the inbox, listing the tasks it opened. Runs that
   * answered as soon as the decision was applied replay without it (the answer's place in history moved).
   */
  private readonly answerWhenSettled: boolean;

  constructor(private readonly options: TaskBookOptions<Forms>) {
    this.currentStage = options.currentStage;
    if (options.hooks) this.hooks = options.hooks;
    this.answerWhenSettled = options.hooks !== undefined && options.answersWhenSettled;
    setHandler(
      completeTaskUpdate,
      async (input) => {
        const task = this.open.get(input.taskId) as TaskView;
        const openBefore = new Set(this.open.keys());
        const reportedBefore = options.reported?.().length ?? 0;
        // Closed at once, so a second completion queued behind this one fails validation.
        this.open.delete(input.taskId);
        const decision: DecisionRecord = {
          taskId: task.taskId,
          taskKind: task.kind,
          outcome: input.outcome,
          actor: person(input.actor),
          ...(input.actor.tokenId ? { tokenId: input.actor.tokenId } : {}),
          ...(input.actor.name ? { actorName: input.actor.name } : {}),
          ...(input.reasons === undefined ? {} : { reasons: input.reasons }),
          attachments: input.attachments ?? [],
          form: input.form ?? {},
          decidedAt: workflowNow(),
        };
        this.decisions.push(decision);
        this.received.set(task.taskId, decision);
        await condition(() => this.applied.has(task.taskId) || this.unrecorded.has(task.taskId));
        const recorded = this.recorded.get(task.taskId);
        this.recorded.delete(task.taskId);
        if (!this.applied.has(task.taskId) || (recorded && !(await recorded)))
          refuse(TASK_REFUSALS.processEnded, 'the process ended before this decision could be recorded');
        if (!this.answerWhenSettled) return { taskId: task.taskId, outcome: decision.outcome, stage: this.currentStage(), decision };
        await condition(options.settled);
        const reported = options.reported?.().slice(reportedBefore) ?? [];
        return {
          taskId: task.taskId,
          outcome: decision.outcome,
          stage: this.currentStage(),
          decision,
          opened: [...this.openedSince(openBefore), ...reported],
        };
      },
      { validator: (input) => this.validateCompletion(input) },
    );
    setHandler(
      assignTaskUpdate,
      async (input) => {
        const task = this.open.get(input.taskId) as TaskView;
        if (input.assignee === null) delete task.assignee;
        else task.assignee = input.assignee;
        this.assignments += 1;
        await this.hooks?.assigned({ ...task }, input, this.assignments);
        return { ...task };
      },
      { validator: (input) => this.validateAssignment(input) },
    );
  }

  openTasks(): TaskView[] {
    return [...this.open.values()];
  }

  /** The open tasks that were not open before, as the caller needs them to act next. */
  openedSince(before: Set<string>): OpenedTask[] {
    return this.openTasks()
      .filter((task) => !before.has(task.taskId))
      .map((task) => ({
        id: this.options.inboxId(task.taskId),
        taskId: task.taskId,
        kind: task.kind,
        title: task.title,
        role: task.role,
        ...(task.assignee ? { assignee: task.assignee } : {}),
        ...(task.dueAt ? { dueAt: task.dueAt } : {}),
      }));
  }

  /**
   * Opens a task, waits for its decision, lets `apply` act on it, then answers the caller; returns what
   * `apply` returns (a value the step goes on with), or the decision when it returns nothing. The form must fill in the fields its kind declares
   * required (`requiredFormFields` narrows or widens that for one task); `guard` refuses decisions the
   * process's rules forbid at the moment they are made. When the enclosing cancellation scope is
   * cancelled, the task is withdrawn from the inbox and the cancellation rethrown.
   */
  async decide<K extends Kind, Result = void>(
    spec: TaskSpec & { kind: K; requiredFormFields?: (keyof Forms[K] & string)[] },
    apply?: (decision: Decision<Forms[K]>) => Promise<Result>,
    guard?: DecisionGuard,
  ): Promise<Result extends void ? Decision<Forms[K]> : Result> {
    // A step overtaken before its task opened opens nothing (no inbox row, no email).
    if (CancellationScope.current().consideredCancelled)
      throw new CancelledFailure(`task ${spec.taskId} not opened: its step was cancelled`);
    this.deciding += 1;
    try {
      // The form's type is what the validator and the API's schema let through (see FormDeclaration).
      const applied = apply as ((decision: DecisionRecord) => Promise<Result>) | undefined;
      const { decision, result } = await this.openAndDecide(this.withRequiredFields(spec), applied ?? (async () => undefined), guard);
      return (result === undefined ? decision : result) as Result extends void ? Decision<Forms[K]> : Result;
    } finally {
      this.deciding -= 1;
    }
  }

  /** The spec with its kind's required fields, unless it names its own (a task kind asked for less or more once). */
  private withRequiredFields(spec: TaskSpec & { kind: Kind }): TaskSpec {
    if (spec.requiredFormFields) return spec;
    const required = Object.keys(this.options.forms[spec.kind]);
    return required.length ? { ...spec, requiredFormFields: required } : spec;
  }

  /** True when no task is being opened, decided or withdrawn: what a process waits for before it ends. */
  settled(): boolean {
    return this.deciding === 0;
  }

  private async openAndDecide<Result>(
    spec: TaskSpec,
    apply: (decision: DecisionRecord) => Promise<Result | undefined>,
    guard?: DecisionGuard,
  ): Promise<{ decision: DecisionRecord; result: Result | undefined }> {
    const task: TaskView = { ...spec, openedAt: workflowNow() };
    this.open.set(spec.taskId, task);
    if (guard) this.guards.set(spec.taskId, guard);
    const decided = () => this.received.has(spec.taskId);
    try {
      // Finished even if the step is overtaken meanwhile, so a cancellation always finds the task in the inbox.
      const hooks = this.hooks;
      if (hooks) Object.assign(task, await CancellationScope.nonCancellable(() => hooks.opened({ ...task })));
      // A cancelled task stops its deadline watch too; that is not an error of the watch.
      const deadlines = this.hooks
        ? this.watchDeadlines(task, decided, this.hooks).catch((err: unknown) => {
            if (!isCancellation(err)) throw err;
          })
        : undefined;
      await condition(decided);
      await deadlines;
    } catch (err) {
      if (isCancellation(err) && !decided()) {
        this.open.delete(spec.taskId);
        const hooks = this.hooks;
        if (hooks) await CancellationScope.nonCancellable(() => hooks.cancelled({ ...task }, 'overtaken'));
      }
      throw err;
    }
    const decision = this.received.get(spec.taskId) as DecisionRecord;
    if (this.hooks && this.options.writesTogether) {
      this.recorded.set(
        spec.taskId,
        this.hooks.decided(task, decision).then(
          () => true,
          () => false,
        ),
      );
    } else {
      try {
        await this.hooks?.decided(task, decision);
      } catch (err) {
        // Not recorded (the process ended while its write waited on an incident): its update answers so.
        this.unrecorded.add(spec.taskId);
        throw err;
      }
    }
    const result = await apply(decision);
    this.applied.add(spec.taskId);
    return { decision, result };
  }

  /** Before the due date a reminder, after it an escalation, unless the decision came first. */
  private async watchDeadlines(task: TaskView, decided: () => boolean, hooks: TaskHooks): Promise<void> {
    const floor = this.options.deadlineFloorMs;
    if (task.reminderAt && !(await condition(decided, millisUntil(task.reminderAt, floor)))) await hooks.reminded({ ...task });
    if (task.dueAt && !(await condition(decided, millisUntil(task.dueAt, floor)))) await hooks.escalated({ ...task });
  }

  /** The open task the input names, for an actor in its role (or in `alsoFor`, a manager handing it over). */
  private openTaskFor(input: { taskId?: unknown; actor?: Actor }, alsoFor?: Role): TaskView {
    if (typeof input !== 'object' || input === null || !isNonEmptyText(input.taskId)) {
      refuse(TASK_REFUSALS.malformed, 'the request names the task it is about');
    }
    const task = this.open.get(input.taskId as string);
    if (!task) return refuse(TASK_REFUSALS.taskNotOpen, `task ${String(input.taskId)} is not open in this process`);
    if (!input.actor || !isNonEmptyText(input.actor.userId) || (input.actor.role !== task.role && input.actor.role !== alsoFor)) {
      refuse(TASK_REFUSALS.actorNotAllowed, `task ${task.taskId} is for the ${task.role} role`);
    }
    return task;
  }

  private validateCompletion(input: CompleteTaskInput): void {
    const task = this.openTaskFor(input);
    if (task.assignee !== undefined && input.actor.userId !== task.assignee && input.onBehalfOf !== task.assignee) {
      refuse(TASK_REFUSALS.actorNotAllowed, `task ${task.taskId} is assigned to another user`);
    }
    if (!task.outcomes.includes(input.outcome)) {
      refuse(TASK_REFUSALS.outcomeNotAllowed, `outcome '${input.outcome}' is not one of: ${task.outcomes.join(', ')}`);
    }
    if ([...OUTCOMES_NEEDING_REASONS, ...(task.reasonsRequiredFor ?? [])].includes(input.outcome) && !isNonEmptyText(input.reasons)) {
      refuse(TASK_REFUSALS.reasonRequired, `outcome '${input.outcome}' needs reasons`);
    }
    const missing = (task.requiredFormFields ?? []).filter((field) => !isFilled(input.form?.[field]));
    if (missing.length > 0) refuse(TASK_REFUSALS.invalidForm, `the form needs: ${missing.join(', ')}`);
    const violation = this.guards.get(task.taskId)?.(input);
    if (violation) refuse(TASK_REFUSALS.ruleViolation, violation);
  }

  private validateAssignment(input: AssignTaskInput): void {
    const task = this.openTaskFor(input, input.handOver ? 'programme_manager' : undefined);
    if (input.assignee !== null && !isNonEmptyText(input.assignee)) refuse(TASK_REFUSALS.malformed, 'assignee is a user id or null');
    // Anyone with the role may take an unassigned task; only its assignee may hand an assigned one on,
    // or a manager handing over the work of the person it is still assigned to.
    if (input.handOver && task.assignee !== input.handOver.from)
      refuse(TASK_REFUSALS.actorNotAllowed, `task ${task.taskId} is no longer assigned to ${input.handOver.from}`);
    if (task.assignee !== undefined && task.assignee !== input.actor.userId && !input.handOver) {
      refuse(TASK_REFUSALS.actorNotAllowed, `task ${task.taskId} is assigned to ${task.assignee}; only they can hand it on`);
    }
  }
}
