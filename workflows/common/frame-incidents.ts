import { CancelledFailure, condition, setHandler } from '@temporalio/workflow';
import { workflowNow } from './clock';
import { failureThatCannotSucceed, type ProcessEngine } from './engine';
import type { FrameState } from './frame-state';
import { retryIncidentUpdate } from './process';
import type { Actor } from './roles';
import { TASK_REFUSALS, refuse } from './tasks';
import { storableLine } from './text';

/**
 * A process's incidents. An engine write that fails in a way retrying cannot fix (data the database
 * refuses) opens one: shown in the view, on the timeline and the registry row as far as they can be
 * written, until a programme manager has it tried again (`retryIncident`) or ends the process.
 */
export function processIncidents(state: FrameState, engine: () => ProcessEngine | undefined) {
  let retryRequested: Actor | undefined;

  /** Runs one engine write; one that cannot succeed waits, as an incident, for a retry or the end. */
  async function guard<T>(activity: string, call: () => Promise<T>): Promise<T> {
    for (let attempts = 1; ; attempts += 1) {
      try {
        return await call();
      } catch (err) {
        const failure = failureThatCannotSucceed(err);
        if (!failure) throw err;
        // The write that failed, as the failure names it (one of a batch), else the activity.
        const failed = typeof failure.details?.[0] === 'string' ? failure.details[0] : activity;
        const incident = {
          activity: failed,
          message: storableLine(failure.message, 500),
          since: state.incident?.since ?? workflowNow(),
          attempts,
        };
        state.incident = incident;
        retryRequested = undefined;
        state.updatedAt = workflowNow();
        await engine()
          ?.incidentEvent(
            'incident_opened',
            `Stopped: ${failed} failed (${incident.message}); a programme manager can retry it or cancel the process`,
          )
          .catch(() => undefined);
        await condition(() => retryRequested !== undefined || state.ending !== undefined);
        if (!retryRequested) {
          // Ended instead: the incident goes with the step that waited on it.
          delete state.incident;
          throw new CancelledFailure(`the process ended while ${activity} waited on an incident`);
        }
        const by = retryRequested;
        delete state.incident;
        state.updatedAt = workflowNow();
        await engine()
          ?.incidentEvent('incident_retried', `${failed} tried again`, {
            actor: by,
            command: { action: 'process.retry_incident', details: { activity: failed } },
          })
          .catch(() => undefined);
      }
    }
  }

  /** The programme manager's retry, answered once what it retried has settled. */
  function acceptRetries(settled: () => boolean): void {
    setHandler(
      retryIncidentUpdate,
      async ({ actor }) => {
        retryRequested = actor;
        await condition(settled);
        return { stage: state.stage };
      },
      {
        validator: (input) => {
          if (!state.incident) refuse(TASK_REFUSALS.ruleViolation, 'the process has no incident to retry');
          if (input?.actor?.role !== 'programme_manager')
            refuse(TASK_REFUSALS.actorNotAllowed, 'only the programme_manager role can retry an incident');
        },
      },
    );
  }

  return { guard, acceptRetries };
}
