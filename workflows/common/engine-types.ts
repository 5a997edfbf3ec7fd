import type { ProcessKind, ProcessRegistryEntry } from './process';
import type { WorkingCalendar } from './policy';
import type { Actor, Role } from './roles';
import type { DecisionRecord, TaskView } from './tasks';

// What the workflow tells the engine activities. Plain data only: these cross into history.

/** Which process an engine activity acts for. */
export interface ProcessRef {
  /** The process the work belongs to: its inbox, timeline, documents, access and audit. */
  processId: string;
  kind: ProcessKind;
  council: string;
  groupKey: string;
  title: string;
  /**
   * Set for a child workflow (e.g. one negotiation of an SLA set): the workflow that owns its tasks,
   * which the API sends their decisions to, and the process kind whose task forms they use.
   */
  owner?: { workflowId: string; kind: ProcessKind };
  /**
   * The roles party to the process beyond the council and the residents' group (e.g. the ALMO board in
   * its SLAs and in an options review of its company): told of every decision and of the end.
   */
  parties?: Role[];
}

/** The workflow a task's decision goes to, and the kind whose task forms check it. */
export const taskOwner = (process: ProcessRef): { workflowId: string; kind: ProcessKind } =>
  process.owner ?? { workflowId: process.processId, kind: process.kind };

/**
 * Error types an activity throws when retrying cannot help (data PostgreSQL refuses): the activity
 * fails at once instead of retrying for ever.
 */
export const NON_RETRYABLE_ACTIVITY_ERRORS = ['InvalidProcessData'] as const;

/** The engine's own emails; a process adds its own templates in its definition (`emails`). */
export const NOTIFICATION_EVENTS = [
  'task_opened',
  'reminder',
  'escalation',
  'decision_made',
  'process_finished',
  'incident_opened',
  'process_notice',
] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

export interface TaskOpenedInput {
  process: ProcessRef;
  task: TaskView;
}

export interface TaskDecidedInput {
  process: ProcessRef;
  task: TaskView;
  decision: DecisionRecord;
  documentIds: string[];
  /** The process's stage when the decision was recorded, for the email (absent in runs from before). */
  stage?: string;
}

export interface TaskLateInput {
  process: ProcessRef;
  task: TaskView;
  /** For an escalation: the manager role it goes to. */
  escalatedTo?: Role;
  at: string;
}

export interface TaskAssignedInput {
  process: ProcessRef;
  task: TaskView;
  actor: Actor;
  assignee: string | null;
  reason?: string;
  at: string;
  /** Counts this task's assignments, so each is its own timeline entry. */
  sequence: number;
}

export interface ProcessEventInput {
  process: ProcessRef;
  /** Unique within the process: makes a retried write a no-op. */
  key: string;
  /** The engine's event kinds, or one of the process's own (its definition's `events`). */
  kind: EngineEventKind | (string & {});
  summary: string;
  at: string;
  actor?: Actor;
  stage: string;
  /** The registry row to write with it; a child workflow has none (its parent's row is the process's). */
  entry?: ProcessRegistryEntry;
  /** The command this event records (start, withdraw, a variation request): audited with it, once. */
  command?: AuditedCommand;
  /** Roles to tell of it by email (e.g. finance, of funding released), beyond what its kind tells. */
  notify?: Role[];
  /** An email of the process's own (a template its definition names) to `to`, with the facts it states. */
  email?: { event: string; to: Role[]; facts: Record<string, unknown>; scope?: string };
}

/** A task to open with its deadline worked out from the process's calendar (the activity answers the deadline). */
export interface OpenTaskInput extends TaskOpenedInput {
  reminderWorkingDaysBefore: number;
  calendar: WorkingCalendar;
}

/** A decision to record, with its decision-record document to render after it. */
export interface RecordDecisionInput extends Omit<TaskDecidedInput, 'documentIds'> {
  document: Omit<GenerateDocumentInput, 'process'>;
}

/** The engine's writes a workflow asks for, by name: each one statement, and any of them in one batch (`writeTogether`). */
export interface EngineWriteInputs {
  processEvent: ProcessEventInput;
  openTask: OpenTaskInput;
  recordDecision: RecordDecisionInput;
  taskReminded: TaskLateInput;
  taskEscalated: TaskLateInput;
  taskAssigned: TaskAssignedInput;
  taskCancelled: TaskLateInput & { why: string };
}

/** The writes that go together in a batch, in the order the workflow asked for them. */
export const WRITES_TOGETHER: readonly (keyof EngineWriteInputs)[] = [
  'processEvent',
  'openTask',
  'recordDecision',
  'taskReminded',
  'taskEscalated',
  'taskAssigned',
  'taskCancelled',
];

/** One write of a batch: its name and input. */
export type EngineWrite = {
  [Write in keyof EngineWriteInputs]: { write: Write; input: EngineWriteInputs[Write] };
}[keyof EngineWriteInputs];

/** Timeline events every process records through the frame. */
export type EngineEventKind = 'process_started' | 'stage_changed' | 'note' | 'process_finished' | 'incident_opened' | 'incident_retried';

/** An accepted command as the audit log states it; its actor is the event's. */
export interface AuditedCommand {
  action: string;
  details: Record<string, unknown>;
}

export interface DocumentSection {
  heading: string;
  lines: string[];
}

export interface GenerateDocumentInput {
  process: ProcessRef;
  /** Unique within the process: a retry returns the document already made. */
  key: string;
  step: string;
  kind: string;
  title: string;
  at: string;
  sections: DocumentSection[];
  /** Readable at its link without signing in (e.g. terms of reference the guidance says are public). */
  public?: boolean;
}

export interface GeneratedDocument {
  documentId: string;
  sha256: string;
  version: number;
}

/** Which decision of another process to read (its process id and task id). */
export interface RecordedDecisionInput {
  processId: string;
  taskId: string;
}

/** What another process offers to read, by its kind and the export's name (its definition's `exports`). */
export interface ProcessExportInput {
  kind: string;
  processId: string;
  name: string;
}

/** A decision another process recorded, as its timeline states it. */
export interface RecordedDecision extends RecordedDecisionInput {
  outcome: string;
  at: string;
  actor?: Actor;
  documentIds: string[];
}

/** Which notes of a process to count (a kind of timeline entry, see ProcessNote): by one field, adding up another. */
export interface TimelineTallyInput {
  processId: string;
  kind: string;
  /** The field each entry is grouped by (e.g. a contact's channel). */
  groupBy: string;
  /** A number field added up (e.g. how many people a contact stands for); an entry without it counts 1. */
  sumOf: string;
}

/** How many notes there are, how many they stand for, by group: bounded, however many were recorded. */
export interface TimelineTally {
  entries: number;
  total: number;
  groups: { key: string; entries: number; total: number }[];
}

/** The inbox id of a task: unique across processes, stable across retries. */
export const inboxTaskId = (processId: string, taskId: string): string => `${processId}~${taskId}`;
