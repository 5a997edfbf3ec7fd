import { ApplicationFailure, condition, defineUpdate, setHandler } from '@temporalio/workflow';
import { workflowNow } from './clock';
import type { Actor, Role } from './roles';

/**
 * Failure types an update validator refuses a completion with. The API maps each to an HTTP status,
 * so they are part of the contract: rename only with the API.
 */
export const TASK_REFUSALS = {
  taskNotOpen: 'TaskNotOpen',
  outcomeNotAllowed: 'OutcomeNotAllowed',
  reasonRequired: 'ReasonRequired',
  actorNotAllowed: 'ActorNotAllowed',
  invalidForm: 'InvalidForm',
  malformed: 'MalformedCompletion',
} as const;

// PROCESSES.md "People and roles": reasons are required when rejecting or asking for changes.
const OUTCOMES_NEEDING_REASONS = ['reject', 'request_changes'];

/** A human step the workflow waits on: who may act, and what they may answer. */
export interface TaskSpec {
  /** Unique within the process, stable across replays. */
  taskId: string;
  kind: string;
  title: string;
  role: Role;
  /** When set, only this user (holding `role`) may complete the task. */
  assignee?: string;
  outcomes: string[];
  /** Form fields the actor must fill with non-empty text. */
  requiredFormFields?: string[];
  /** Business data the actor needs to decide. */
  data?: Record<string, unknown>;
}

export interface TaskView extends TaskSpec {
  openedAt: string;
}

export interface CompleteTaskInput {
  taskId: string;
  outcome: string;
  actor: Actor;
  reasons?: string;
  attachments?: string[];
  form?: Record<string, string>;
}

export interface DecisionRecord {
  taskId: string;
  taskKind: string;
  outcome: string;
  actor: Actor;
  reasons?: string;
  attachments: string[];
  form: Record<string, string>;
  decidedAt: string;
}

export interface CompleteTaskResult {
  taskId: string;
  outcome: string;
  /** The process stage once the workflow has acted on the decision. */
  stage: string;
}

export const completeTaskUpdate = defineUpdate<CompleteTaskResult, [CompleteTaskInput]>('completeTask');

/** A form field the task's `requiredFormFields` made the validator insist on. */
export function formField(decision: DecisionRecord, field: string): string {
  const value = decision.form[field];
  if (value === undefined) throw new Error(`decision on ${decision.taskId} has no form field ${field}`);
  return value;
}

const refuse = (type: string, message: string): never => {
  throw ApplicationFailure.create({ type, message, nonRetryable: true });
};
const isNonEmptyText = (value: unknown): value is string => typeof value === 'string' && value.trim().length > 0;

/**
 * The open tasks of one process and the decisions taken on them. Installs the `completeTask` update,
 * whose validator refuses bad completions before anything reaches the workflow history.
 */
export class TaskBook {
  private readonly open = new Map<string, TaskView>();
  private readonly received = new Map<string, DecisionRecord>();
  private readonly applied = new Set<string>();
  readonly decisions: DecisionRecord[] = [];

  constructor(private readonly currentStage: () => string) {
    setHandler(
      completeTaskUpdate,
      async (input) => {
        const task = this.open.get(input.taskId) as TaskView;
        // Closed at once, so a second completion queued behind this one fails validation.
        this.open.delete(input.taskId);
        const decision: DecisionRecord = {
          taskId: task.taskId,
          taskKind: task.kind,
          outcome: input.outcome,
          actor: { userId: input.actor.userId, role: input.actor.role },
          ...(input.reasons === undefined ? {} : { reasons: input.reasons }),
          attachments: input.attachments ?? [],
          form: input.form ?? {},
          decidedAt: workflowNow(),
        };
        this.decisions.push(decision);
        this.received.set(task.taskId, decision);
        await condition(() => this.applied.has(task.taskId));
        return { taskId: task.taskId, outcome: decision.outcome, stage: this.currentStage() };
      },
      { validator: (input) => this.validate(input) },
    );
  }

  openTasks(): TaskView[] {
    return [...this.open.values()];
  }

  /** Opens a task, waits for its decision, lets `apply` act on it, then answers the caller. */
  async decide(spec: TaskSpec, apply: (decision: DecisionRecord) => Promise<void>): Promise<DecisionRecord> {
    this.open.set(spec.taskId, { ...spec, openedAt: workflowNow() });
    await condition(() => this.received.has(spec.taskId));
    const decision = this.received.get(spec.taskId) as DecisionRecord;
    await apply(decision);
    this.applied.add(spec.taskId);
    return decision;
  }

  private validate(input: CompleteTaskInput): void {
    if (typeof input !== 'object' || input === null || !isNonEmptyText(input.taskId)) {
      refuse(TASK_REFUSALS.malformed, 'a completion names the task it completes');
    }
    const task = this.open.get(input.taskId);
    if (!task) return refuse(TASK_REFUSALS.taskNotOpen, `task ${input.taskId} is not open in this process`);
    if (!input.actor || !isNonEmptyText(input.actor.userId) || input.actor.role !== task.role) {
      refuse(TASK_REFUSALS.actorNotAllowed, `task ${task.taskId} can only be completed by the ${task.role} role`);
    }
    if (task.assignee !== undefined && input.actor.userId !== task.assignee) {
      refuse(TASK_REFUSALS.actorNotAllowed, `task ${task.taskId} is assigned to another user`);
    }
    if (!task.outcomes.includes(input.outcome)) {
      refuse(TASK_REFUSALS.outcomeNotAllowed, `outcome '${input.outcome}' is not one of: ${task.outcomes.join(', ')}`);
    }
    if (OUTCOMES_NEEDING_REASONS.includes(input.outcome) && !isNonEmptyText(input.reasons)) {
      refuse(TASK_REFUSALS.reasonRequired, `outcome '${input.outcome}' needs reasons`);
    }
    const missing = (task.requiredFormFields ?? []).filter((field) => !isNonEmptyText(input.form?.[field]));
    if (missing.length > 0) refuse(TASK_REFUSALS.invalidForm, `the form needs: ${missing.join(', ')}`);
  }
}
