import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  proxyActivities,
  proxyLocalActivities,
  type ActivityOptions,
  type LocalActivityOptions,
} from '@temporalio/workflow';
import type { createActivities } from '../../activities';
import { workflowNow } from './clock';
import { dateTimeInWords, formInWords, inWords } from './format';
import {
  NON_RETRYABLE_ACTIVITY_ERRORS,
  WRITES_TOGETHER,
  type AuditedCommand,
  type EngineWrite,
  type DocumentSection,
  type ProcessEventInput,
  type ProcessRef,
} from './engine-types';
import type { CommonPolicy } from './policy';
import type { ProcessRegistryEntry } from './process';
import type { Actor, Role } from './roles';
import type { DecisionRecord, TaskHooks, TaskView } from './tasks';

type Activities = ReturnType<typeof createActivities>;

// Each kind of activity gets the timeout and retries its work needs. Writes and documents retry a
// database outage until it ends (nothing is lost); a calculation that fails will fail again.
const retryUntilDone = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '30 seconds',
  nonRetryableErrorTypes: [...NON_RETRYABLE_ACTIVITY_ERRORS],
};
export const ACTIVITY_OPTIONS = {
  /** One quick transaction on the read models; short, so work lost with a killed worker is retried soon. */
  readModelWrite: { startToCloseTimeout: '10 seconds', retry: retryUntilDone },
  /** Renders a PDF (milliseconds) and stores it once; short, as a killed worker's attempt is retried only after it. */
  document: { startToCloseTimeout: '15 seconds', retry: retryUntilDone },
  /** Pure computation (working-day arithmetic): a few attempts cover a lost worker, not a bug. */
  calculation: {
    startToCloseTimeout: '5 seconds',
    retry: { initialInterval: '1 second', maximumAttempts: 5, nonRetryableErrorTypes: [...NON_RETRYABLE_ACTIVITY_ERRORS] },
  },
} satisfies Record<string, ActivityOptions>;

type ActivityKind = keyof typeof ACTIVITY_OPTIONS;
/** The kind of each activity that is not a read-model write. */
const KIND_OF: Partial<Record<keyof Activities, ActivityKind>> = { generateDocument: 'document', deadlineFor: 'calculation' };

/**
 * Engine activities run as local activities: in the worker, within the workflow task that needs them,
 * with no round trip through the Temporal server each (a decision's writes cost one workflow task, not
 * five). All of them are quick, idempotent writes to our own database, which is what local activities
 * are for. Runs started before this use (remote) activities, as their histories record.
 */
const localOptions = (options: ActivityOptions): LocalActivityOptions => ({ ...options, localRetryThreshold: '10 seconds' });
const REMOTE: Record<ActivityKind, Activities> = {
  readModelWrite: proxyActivities<Activities>(ACTIVITY_OPTIONS.readModelWrite),
  document: proxyActivities<Activities>(ACTIVITY_OPTIONS.document),
  calculation: proxyActivities<Activities>(ACTIVITY_OPTIONS.calculation),
};
const LOCAL: Record<ActivityKind, Activities> = {
  readModelWrite: proxyLocalActivities<Activities>(localOptions(ACTIVITY_OPTIONS.readModelWrite)),
  document: proxyLocalActivities<Activities>(localOptions(ACTIVITY_OPTIONS.document)),
  calculation: proxyLocalActivities<Activities>(localOptions(ACTIVITY_OPTIONS.calculation)),
};

/** Counts a workflow's activities in flight: none means every write it started is done. */
export interface ActivityCounter {
  inFlight: number;
  /** A batch of writes that failed with nobody waiting on it (no incident took it): the run fails with it once settled. */
  failed?: unknown;
}

/** An engine write waiting in a batch for its answer. */
interface Waiting {
  resolve: (result: unknown) => void;
  reject: (err: unknown) => void;
}

/** Engine writes asked for since the workflow last waited: written in order by one local activity. */
interface Batch {
  writes: EngineWrite[];
  waiting: Waiting[];
}

/**
 * Resolves once the workflow waits on something (a timer, an update, an activity): the SDK checks
 * conditions only when every microtask has run, so a condition false when asked and true when next
 * checked resolves then, after every write the workflow asks for before it waits.
 */
const whenTheWorkflowWaits = (): Promise<void> => {
  let asked = false;
  return condition(() => {
    const waiting = asked;
    asked = true;
    return waiting;
  });
};

/**
 * The activities, each through the proxy of its kind, counted while in flight. The caller gets the
 * activity's own promise (no extra microtask hop, so commands keep their order in replayed histories);
 * the count drops in a callback registered before the caller's, so a condition on it is only checked
 * once the workflow has started its next activity or is waiting on something else.
 *
 * `oneAtATime` runs local activities one after another, in the order asked for. Two in flight at once
 * resolve live in whichever order and grouping they finish, one activation each or both in one, and
 * replay groups them its own way; what the workflow does next (an update's answer, a deadline's timer)
 * then lands between other commands on replay than it did live, and the run cannot replay (an LMA's
 * variation request, answered while the task it opened was being written). One at a time, each
 * resolution comes alone, live and on replay. Runs from before keep their concurrent writes.
 *
 * `together` (one at a time too) gathers the engine's writes (WRITES_TOGETHER) asked for until the
 * workflow waits into one local activity, `writeTogether`: a decision, the stage it moved to and the
 * task it opened are one activity and one activation, not three. `guard` turns a batch that cannot be
 * written into an incident the process waits on; an incident's own event is written past the batch
 * it stopped, at once.
 */
export function countedActivities(
  counter: ActivityCounter,
  { local, oneAtATime = false, together }: { local: boolean; oneAtATime?: boolean; together?: { guard?: IncidentGuard } },
): CountedActivities {
  const settle = () => {
    counter.inFlight -= 1;
  };
  const proxies = local ? LOCAL : REMOTE;
  const inOrder = new InOrder(counter, together?.guard);
  const through = (pastTheQueue: boolean): Activities =>
    new Proxy({} as Activities, {
      get(_target, name: string) {
        if (name === 'pastTheQueue') return past;
        const proxy = proxies[KIND_OF[name as keyof Activities] ?? 'readModelWrite'];
        const call = proxy[name as keyof Activities] as (...args: unknown[]) => Promise<unknown>;
        const inBatch = together && !pastTheQueue && WRITTEN_TOGETHER.has(name);
        const inTurn = (oneAtATime || together) && !(together && pastTheQueue);
        return (...args: unknown[]) => {
          if (inBatch) return inOrder.join({ write: name, input: args[0] } as EngineWrite);
          counter.inFlight += 1;
          const running = inTurn ? inOrder.after(() => call(...args)) : call(...args);
          void running.then(settle, settle);
          return running;
        };
      },
    });
  const past = through(true);
  return through(false) as CountedActivities;
}

const WRITTEN_TOGETHER = new Set<string>(WRITES_TOGETHER);

/**
 * The counted activities, and `pastTheQueue`: the same activities called at once, neither batched nor
 * after the writes in turn (with writes together; otherwise as the others). An incident's own event
 * goes that way: it is written while the batch it stopped waits.
 */
export type CountedActivities = Activities & { readonly pastTheQueue: Activities };

/**
 * Local activities one after another, in the order asked for, and the engine's writes asked for
 * until the workflow waits gathered into one batch (`writeTogether`).
 */
class InOrder {
  private previous: Promise<unknown> = Promise.resolve();
  /** The batch still taking writes: none once it is being written, or once another activity is asked for after it. */
  private gathering: Batch | undefined;

  constructor(
    private readonly counter: ActivityCounter,
    /** Turns a batch that cannot be written into an incident the process waits on. */
    private readonly guard?: IncidentGuard,
  ) {}

  /** Runs `call` once everything asked for before it is done. */
  after<T>(call: () => Promise<T>): Promise<T> {
    this.gathering = undefined;
    const running = this.previous.then(call);
    this.previous = running.then(
      () => undefined,
      () => undefined,
    );
    return running;
  }

  /** Adds a write to the batch being gathered (or a new one after what is in flight); answers its result once written. */
  join(write: EngineWrite): Promise<unknown> {
    this.counter.inFlight += 1;
    let batch = this.gathering;
    if (!batch) {
      const next: Batch = { writes: [], waiting: [] };
      batch = this.gathering = next;
      // Written whatever happens to the step that asked: a cancelled step's writes still land, in order.
      this.previous = CancellationScope.nonCancellable(() => this.previous.then(whenTheWorkflowWaits).then(() => this.write(next)));
    }
    const joined = batch;
    return new Promise((resolve, reject) => {
      joined.writes.push(write);
      joined.waiting.push({ resolve, reject });
    });
  }

  private async write(batch: Batch): Promise<void> {
    if (this.gathering === batch) this.gathering = undefined;
    const size = batch.writes.length;
    let attempts = 0;
    // Counted while being written, not while its incident waits: a retry answers once it has been tried.
    const attempt = async () => {
      if (attempts > 0) this.counter.inFlight += size;
      attempts += 1;
      try {
        return await LOCAL.readModelWrite.writeTogether(batch.writes);
      } finally {
        this.counter.inFlight -= size;
      }
    };
    try {
      const results = await (this.guard ? this.guard(batch.writes[0]?.write ?? 'writeTogether', attempt) : attempt());
      batch.waiting.forEach(({ resolve }, index) => resolve(results[index]));
    } catch (err) {
      if (!isCancellation(err)) this.counter.failed ??= err;
      batch.waiting.forEach(({ reject }) => reject(err));
    }
  }
}

/** What an event records beside its kind and summary. */
export interface EventOptions {
  actor?: Actor;
  command?: AuditedCommand;
  notify?: Role[];
  email?: ProcessEventInput['email'];
}

/** Runs one engine write; a failure retrying cannot fix becomes an incident the process waits on. */
export type IncidentGuard = <T>(activity: string, call: () => Promise<T>) => Promise<T>;

/**
 * The failure of an activity that retrying the same write cannot fix (see NON_RETRYABLE_ACTIVITY_ERRORS),
 * if `err` is one. A remote activity's comes wrapped in an ActivityFailure, a local one's as it is.
 */
export function failureThatCannotSucceed(err: unknown): ApplicationFailure | undefined {
  const failure = err instanceof ActivityFailure ? err.cause : err;
  return failure instanceof ApplicationFailure && (NON_RETRYABLE_ACTIVITY_ERRORS as readonly string[]).includes(failure.type ?? '')
    ? failure
    : undefined;
}

/**
 * The engine-core side of a process: its inbox, timeline, deadlines, notifications and documents.
 * `registryEntry` reads the process's current header, so every event also refreshes the registry row;
 * a child workflow passes none, as the process's row is its parent's.
 */
export function processEngine(
  activities: CountedActivities,
  process: ProcessRef,
  policy: CommonPolicy,
  registryEntry: (() => ProcessRegistryEntry) | undefined,
  stage: () => string,
  keyPrefix = '',
  /** Local activities (and so fewer, combined ones); runs from before them use the activities they recorded. */
  local = false,
  /** Runs each write, turning one that cannot succeed into an incident (runs from before incidents have none). */
  guard?: IncidentGuard,
) {
  const hooks = taskHooksOf(activities, process, policy, stage, local);

  let events = 0;
  /** Records a process-level event on the timeline and refreshes the registry row in the same write. */
  /** `actor`: who did it; `command`: what to audit with it; `notify`: roles emailed a notice of it; `email`: the process's own email of it. */
  const eventThrough =
    (writes: Activities) =>
    (kind: ProcessEventInput['kind'], summary: string, { actor, command, notify, email }: EventOptions = {}) => {
      events += 1;
      const entry = registryEntry?.();
      return writes.processEvent({
        process,
        key: `${keyPrefix}${kind}:${events}`,
        kind,
        summary,
        // When the event happened: a request between stage changes is dated by itself, not by the last change.
        at: workflowNow(),
        stage: entry?.stage ?? stage(),
        ...(entry ? { entry } : {}),
        ...(actor ? { actor } : {}),
        ...(command ? { command } : {}),
        ...(notify?.length ? { notify } : {}),
        ...(email ? { email } : {}),
      });
    };

  const unguardedDocument = (
    key: string,
    step: string,
    kind: string,
    title: string,
    sections: DocumentSection[],
    { public: isPublic = false }: { public?: boolean } = {},
  ) => activities.generateDocument({ process, key, step, kind, title, at: workflowNow(), sections, ...(isPublic ? { public: true } : {}) });

  // An incident's own event is written while the writes it stopped wait: past them.
  const engine = {
    hooks,
    event: eventThrough(activities),
    document: unguardedDocument,
    incidentEvent: eventThrough(activities.pastTheQueue),
  };
  return guard ? guarded(engine, guard) : engine;
}

/** The decision-record document of a decision: who decided what, when, why, with what. */
const decisionRecord = (task: TaskView, decision: DecisionRecord) => ({
  key: `decision-record:${task.taskId}`,
  step: task.kind,
  kind: 'decision_record',
  title: `Decision record: ${task.title}`,
  at: decision.decidedAt,
  sections: [
    {
      heading: 'Decision',
      lines: [
        `Outcome: ${inWords(decision.outcome)}`,
        `Decided by: ${decision.actorName ? `${decision.actorName} (${decision.actor.userId}, ${inWords(decision.actor.role)})` : `${decision.actor.userId} (${inWords(decision.actor.role)})`}`,
        `Decided at: ${dateTimeInWords(decision.decidedAt)}`,
      ],
    },
    ...(decision.reasons ? [{ heading: 'Reasons', lines: [decision.reasons] }] : []),
    ...(Object.keys(decision.form).length ? [{ heading: 'Details', lines: formInWords(decision.form) }] : []),
    ...(decision.attachments.length ? [{ heading: 'Attachments', lines: decision.attachments }] : []),
  ],
});

/** What the task book's tasks write: opened and decided (one local activity each way, or as runs from before did), late, withdrawn, assigned. */
function taskHooksOf(activities: Activities, process: ProcessRef, policy: CommonPolicy, stage: () => string, local: boolean): TaskHooks {
  /** What a task's lateness, withdrawal and assignment write: the same whichever kind of activity. */
  const lateAndAssigned: Pick<TaskHooks, 'reminded' | 'escalated' | 'cancelled' | 'assigned'> = {
    reminded: (task) => activities.taskReminded({ process, task, at: workflowNow() }),
    escalated: (task) => {
      const escalatedTo = task.escalateTo ?? policy.escalation[task.role];
      return activities.taskEscalated({ process, task, at: workflowNow(), ...(escalatedTo ? { escalatedTo } : {}) });
    },
    cancelled: (task, why) => activities.taskCancelled({ process, task, at: workflowNow(), why }),
    assigned: (task, input, sequence) =>
      activities.taskAssigned({
        process,
        task,
        actor: input.actor,
        assignee: input.assignee,
        at: workflowNow(),
        sequence,
        ...(input.reason ? { reason: input.reason } : {}),
      }),
  };
  return local
    ? {
        // One local activity each way: the task opened with its deadline worked out, the decision recorded with its document.
        opened: (task) =>
          activities.openTask({ process, task, reminderWorkingDaysBefore: policy.reminderWorkingDaysBefore, calendar: policy.calendar }),
        decided: async (task, decision) => {
          await activities.recordDecision({ process, task, decision, stage: stage(), document: decisionRecord(task, decision) });
        },
        ...lateAndAssigned,
      }
    : {
        opened: async (task) => {
          const deadline =
            task.dueInWorkingDays === undefined
              ? {}
              : await activities.deadlineFor({
                  openedAt: task.openedAt,
                  workingDays: task.dueInWorkingDays,
                  reminderWorkingDaysBefore: policy.reminderWorkingDaysBefore,
                  calendar: policy.calendar,
                });
          await activities.taskOpened({ process, task: { ...task, ...deadline } });
          return deadline;
        },
        decided: async (task, decision) => {
          const record = await activities.generateDocument({ process, ...decisionRecord(task, decision) });
          await activities.taskDecided({ process, task, decision, documentIds: [record.documentId], stage: stage() });
        },
        ...lateAndAssigned,
      };
}

type Engine = {
  hooks: TaskHooks;
  event: (kind: ProcessEventInput['kind'], summary: string, options?: EventOptions) => Promise<void>;
  document: (
    key: string,
    step: string,
    kind: string,
    title: string,
    sections: DocumentSection[],
    options?: { public?: boolean },
  ) => Promise<{ documentId: string }>;
  incidentEvent: (kind: ProcessEventInput['kind'], summary: string, options?: EventOptions) => Promise<void>;
};

/** Every write through `guard`, which turns one that cannot succeed into an incident; the incident's own event is not guarded. */
function guarded(engine: Engine, guard: IncidentGuard): Engine {
  return {
    hooks: {
      opened: (task) => guard('openTask', () => engine.hooks.opened(task)),
      decided: (task, decision) => guard('recordDecision', () => engine.hooks.decided(task, decision)),
      reminded: (task) => guard('taskReminded', () => engine.hooks.reminded(task)),
      escalated: (task) => guard('taskEscalated', () => engine.hooks.escalated(task)),
      cancelled: (task, why) => guard('taskCancelled', () => engine.hooks.cancelled(task, why)),
      assigned: (task, input, sequence) => guard('taskAssigned', () => engine.hooks.assigned(task, input, sequence)),
    } satisfies TaskHooks,
    event: (...args: Parameters<Engine['event']>) => guard('processEvent', () => engine.event(...args)),
    document: (...args: Parameters<Engine['document']>) => guard('generateDocument', () => engine.document(...args)),
    /** Records an incident itself: not guarded, as its own failure must not become another incident. */
    incidentEvent: engine.incidentEvent,
  };
}

/** What a process's frame writes through: its events, documents and the task book's hooks. */
export type ProcessEngine = ReturnType<typeof processEngine>;
