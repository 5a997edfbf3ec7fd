import { defineQuery } from '@temporalio/workflow';
import type { Actor } from './roles';
import type { DecisionRecord, TaskView } from './tasks';

export const PROCESS_KINDS = ['lma'] as const;
export type ProcessKind = (typeof PROCESS_KINDS)[number];
export type ProcessStatus = 'active' | 'completed' | 'withdrawn' | 'cancelled';

/** What every process answers when asked where it is: the API's `GET /processes/:id`. */
export interface ProcessView<Details extends object = object> {
  processId: string;
  kind: ProcessKind;
  council: string;
  businessKey: string;
  title: string;
  stage: string;
  status: ProcessStatus;
  startedAt: string;
  startedBy: Actor;
  openTasks: TaskView[];
  decisions: DecisionRecord[];
  details: Details;
}

export const processViewQuery = defineQuery<ProcessView>('processView');

/** The read-model row an activity writes whenever a process starts or changes stage. */
export interface ProcessRegistryEntry {
  processId: string;
  kind: ProcessKind;
  council: string;
  businessKey: string;
  title: string;
  stage: string;
  status: ProcessStatus;
  startedBy: string;
  startedAt: string;
  updatedAt: string;
}
