import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Actor } from './roles';
import type { DecisionRecord, OpenedTask, TaskView } from './tasks';

/** A process kind's name, e.g. `lma`: the folder under workflows/ and the key of its definition. */
export type ProcessKind = string;
export type ProcessStatus = 'active' | 'completed' | 'withdrawn' | 'cancelled';

/** What identifies a process and where it stands: shared by the query answer and the registry row. */
interface ProcessHeader {
  processId: string;
  kind: ProcessKind;
  council: string;
  businessKey: string;
  /** The residents' group the process belongs to, if any: what a resident_rep's grant names. */
  groupKey: string;
  title: string;
  stage: string;
  status: ProcessStatus;
  startedAt: string;
  updatedAt: string;
}

/**
 * A write the process needs that failed in a way retrying cannot fix (data the database refuses): the
 * process waits on it, showing it to its programme managers, who retry it (after a fix) or cancel.
 */
export interface Incident {
  /** The engine step that failed, e.g. `recordDecision`. */
  activity: string;
  message: string;
  since: string;
  attempts: number;
}

/** The read-model row an activity writes whenever a process starts or changes stage. */
export interface ProcessRegistryEntry extends ProcessHeader {
  startedBy: string;
  /** Absent in entries from before incidents existed; null once none is open. */
  incident?: Incident | null;
  /** The process's view as it ended, written with its end (absent while it runs). */
  finalView?: ProcessView;
}

/** What every process answers when asked where it is: the API's `GET /processes/:id`. */
export interface ProcessView<Details extends object = object> extends ProcessHeader {
  startedBy: Actor;
  openTasks: TaskView[];
  decisions: DecisionRecord[];
  details: Details;
  /** The policy the process runs with (the council's when it started): the figures its rules state. Views from before have none. */
  policy?: Record<string, unknown>;
  /** Set while the process waits on a failed write (see Incident). */
  incident?: Incident;
}

export const processViewQuery = defineQuery<ProcessView>('processView');

/** Ends a process before its time: withdrawn by whoever the process names (a group), or cancelled by the council. */
export interface EndProcessInput {
  actor: Actor;
  reasons: string;
}
// The names are those the LMA used before the shared frame, so its running processes keep them.
export const withdrawUpdate = defineUpdate<{ stage: string }, [EndProcessInput]>('withdraw');
export const cancelUpdate = defineUpdate<{ stage: string }, [EndProcessInput]>('cancel');

/** A programme manager has the failed write of an incident tried again. */
export interface RetryIncidentInput {
  actor: Actor;
}
export const retryIncidentUpdate = defineUpdate<{ stage: string }, [RetryIncidentInput]>('retryIncident');

/** Answers once a newly started process has taken its first steps: the tasks it then waits on. */
export interface ProcessStartedResult {
  stage: string;
  opened: OpenedTask[];
  /**
   * The start request this run answered first (the update is deduplicated by its id, so a repeated
   * start gets the first one's answer): the API tells the request that started it (201) from a repeat
   * (200). A run continued from another started with none.
   */
  startRequest?: string;
}
/** Sent with the start (update-with-start), naming the start request. */
export interface ProcessStartedInput {
  startRequest: string;
}
export const processStartedUpdate = defineUpdate<ProcessStartedResult, [ProcessStartedInput?]>('processStarted');

/** A child workflow tells its parent that its first tasks are in the inbox, so the parent's answer can list them. */
export interface ChildSettledInput {
  workflowId: string;
  opened: OpenedTask[];
}
export const childSettledSignal = defineSignal<[ChildSettledInput]>('childSettled');

/** Text as a key: lower case, letters and digits, single hyphens (e.g. an estate in a business key). */
export const slugOf = (text: string): string =>
  text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');

/** A residents' group's key, from its name: what a resident_rep's role grant names. */
export const groupKeyOf = (groupName: string): string => slugOf(groupName);

/**
 * A partner organisation's key, from its name: what a partner's role grant names. Its prefix has a
 * character no slug has, so no residents' group shares a key with an organisation.
 */
export const organisationKeyOf = (organisation: string): string => `org:${slugOf(organisation)}`;
