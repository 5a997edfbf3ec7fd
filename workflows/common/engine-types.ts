import type { ProcessKind } from './process';
import type { Actor, Role } from './roles';
import type { DecisionRecord, TaskView } from './tasks';

// What the workflow tells the engine activities. Plain data only: these cross into history.

/** Which process an engine activity acts for. */
export interface ProcessRef {
  processId: string;
  kind: ProcessKind;
  council: string;
  groupKey: string;
  title: string;
}

export const NOTIFICATION_EVENTS = ['task_opened', 'reminder', 'escalation', 'decision_made', 'process_finished'] as const;
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
  kind: 'process_started' | 'stage_changed' | 'variation_requested' | 'process_finished';
  summary: string;
  at: string;
  actor?: Actor;
  stage: string;
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
}

export interface GeneratedDocument {
  documentId: string;
  sha256: string;
  version: number;
}

/** The inbox id of a task: unique across processes, stable across retries. */
export const inboxTaskId = (processId: string, taskId: string): string => `${processId}~${taskId}`;
