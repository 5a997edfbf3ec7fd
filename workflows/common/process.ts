import { defineQuery } from '@temporalio/workflow';
import type { Actor } from './roles';
import type { DecisionRecord, TaskView } from './tasks';

export const PROCESS_KINDS = ['lma'] as const;
export type ProcessKind = (typeof PROCESS_KINDS)[number];
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

/** The read-model row an activity writes whenever a process starts or changes stage. */
export interface ProcessRegistryEntry extends ProcessHeader {
  startedBy: string;
}

/** What every process answers when asked where it is: the API's `GET /processes/:id`. */
export interface ProcessView<Details extends object = object> extends ProcessHeader {
  startedBy: Actor;
  openTasks: TaskView[];
  decisions: DecisionRecord[];
  details: Details;
}

export const processViewQuery = defineQuery<ProcessView>('processView');
