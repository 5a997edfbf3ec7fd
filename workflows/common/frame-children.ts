import { condition, getExternalWorkflowHandle, setHandler, startChild, workflowInfo, type Workflow } from '@temporalio/workflow';
import type { ActivityCounter } from './engine';
import type { ProcessRef } from './engine-types';
import { childSettledSignal } from './process';
import { businessKeyKey, councilKey, processKindKey } from './search-attributes';
import type { OpenedTask } from './tasks';

/**
 * The child workflows of a process (e.g. the negotiations of an SLA set): a child counts as in flight
 * from its start until it reports its first tasks (or ends without), so a decision that starts one
 * answers with them; the process ends only once its children have closed.
 */
export class FrameChildren {
  /** Tasks that child workflows opened, as they reported them: part of what a decision here set off. */
  readonly reported: OpenedTask[] = [];
  private readonly starting = new Set<string>();
  /** Children started and not yet closed: a process ends only once they have (their tasks withdrawn). */
  running = 0;

  constructor(
    private readonly counter: ActivityCounter,
    private readonly ref: ProcessRef,
  ) {}

  /** Hears each child report its first tasks. */
  listen(): void {
    setHandler(childSettledSignal, ({ workflowId, opened }) => {
      this.reported.push(...opened);
      this.done(workflowId);
    });
  }

  /**
   * Starts a child workflow of this process: its tasks and timeline are this process's, and it is found
   * with it by its business key.
   */
  async start<T extends (input: never) => Promise<unknown>>(workflowType: T, workflowId: string, input: Parameters<T>[0]) {
    this.counter.inFlight += 1;
    this.starting.add(workflowId);
    try {
      const child = await startChild(workflowType as unknown as Workflow, {
        workflowId,
        args: [input],
        typedSearchAttributes: [
          { key: councilKey, value: this.ref.council },
          { key: processKindKey, value: this.ref.kind },
          { key: businessKeyKey, value: this.ref.processId },
        ],
      });
      this.running += 1;
      const closed = () => {
        this.running -= 1;
        this.done(workflowId);
      };
      void child.result().then(closed, closed);
      return child;
    } catch (err) {
      this.done(workflowId);
      throw err;
    }
  }

  private done(workflowId: string): void {
    if (this.starting.delete(workflowId)) this.counter.inFlight -= 1;
  }
}

/** A child's steps, telling its parent once its first tasks are in the inbox. */
export async function reportingFirstSteps(
  steps: () => Promise<void>,
  settled: () => boolean,
  processId: string,
  opened: () => OpenedTask[],
): Promise<void> {
  const running = steps();
  await condition(settled);
  const parentWorkflowId = workflowInfo().parent?.workflowId;
  if (parentWorkflowId)
    await getExternalWorkflowHandle(parentWorkflowId).signal(childSettledSignal, { workflowId: processId, opened: opened() });
  await running;
}
