import { proxyActivities } from '@temporalio/workflow';
import type { createActivities } from '../../activities';
import { workflowNow } from './clock';
import type { DocumentSection, ProcessEventInput, ProcessRef } from './engine-types';
import type { ProcessPolicy } from './policy';
import type { ProcessRegistryEntry } from './process';
import type { Actor } from './roles';
import type { TaskHooks } from './tasks';

/** Every activity, retried until it succeeds: a database outage is waited out, nothing is lost. */
export const activities = proxyActivities<ReturnType<typeof createActivities>>({
  // Short enough that work lost with a killed worker is retried soon; each activity is one quick write.
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/**
 * The engine-core side of a process: its inbox, timeline, deadlines, notifications and documents.
 * `registryEntry` reads the process's current header, so every event also refreshes the registry row.
 */
export function processEngine(process: ProcessRef, policy: ProcessPolicy, registryEntry: () => ProcessRegistryEntry, keyPrefix = '') {
  const hooks: TaskHooks = {
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
      const record = await activities.generateDocument({
        process,
        key: `decision-record:${task.taskId}`,
        step: task.kind,
        kind: 'decision_record',
        title: `Decision record: ${task.title}`,
        at: decision.decidedAt,
        sections: [
          { heading: 'Decision', lines: [`Outcome: ${decision.outcome}`, `Decided by: ${decision.actor.userId} (${decision.actor.role})`, `Decided at: ${decision.decidedAt}`] },
          ...(decision.reasons ? [{ heading: 'Reasons', lines: [decision.reasons] }] : []),
          ...(Object.keys(decision.form).length
            ? [{ heading: 'Details', lines: Object.entries(decision.form).map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`) }]
            : []),
          ...(decision.attachments.length ? [{ heading: 'Attachments', lines: decision.attachments }] : []),
        ],
      });
      await activities.taskDecided({ process, task, decision, documentIds: [record.documentId] });
    },
    reminded: (task) => activities.taskReminded({ process, task, at: workflowNow() }),
    escalated: (task) => {
      const escalatedTo = task.escalateTo ?? policy.escalation[task.role];
      return activities.taskEscalated({ process, task, at: workflowNow(), ...(escalatedTo ? { escalatedTo } : {}) });
    },
    cancelled: (task, why) => activities.taskCancelled({ process, task, at: workflowNow(), why }),
    assigned: (task, input, sequence) =>
      activities.taskAssigned({ process, task, actor: input.actor, assignee: input.assignee, at: workflowNow(), sequence, ...(input.reason ? { reason: input.reason } : {}) }),
  };

  let events = 0;
  /** Records a process-level event on the timeline and refreshes the registry row in the same write. */
  const event = (kind: ProcessEventInput['kind'], summary: string, actor?: Actor) => {
    events += 1;
    const entry = registryEntry();
    return activities.processEvent({ process, key: `${keyPrefix}${kind}:${events}`, kind, summary, at: entry.updatedAt, stage: entry.stage, entry, ...(actor ? { actor } : {}) });
  };

  const document = (key: string, step: string, kind: string, title: string, sections: DocumentSection[]) =>
    activities.generateDocument({ process, key, step, kind, title, at: workflowNow(), sections });

  return { hooks, event, document };
}
