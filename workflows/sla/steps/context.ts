import { startOfDate } from '../../common/format';
import { stepContextOf, type ProcessFrame, type StepContext } from '../../common/frame';
import type { SlaDetails, SlaStartInput, SlaForms } from '../messages';

// What every step of an SLA set's cycle reads: its input, its frame, and what is worked out once from
// them. Safe in workflows.

export interface SlaSet extends StepContext<SlaDetails, SlaForms> {
  input: SlaStartInput;
  processId: string;
  taskId: ProcessFrame<SlaDetails, SlaForms>['taskId'];
  services: SlaDetails['services'];
  /** The council's name as documents state it. */
  council: string;
  policy: SlaStartInput['policy'];
  /** The process's SLA section of the council's policy. */
  sla: SlaStartInput['policy']['sla'];
  cycle: number;
  /** When the SLAs in force expire, if any are. */
  expiry?: string;
  /** The process this set runs for (an ALMO's establishment), if it is a child. */
  parent?: SlaStartInput['parent'];
}

/** Which cycle a run is and when the SLAs in force expire: from the cycle it carries, else from the start. */
export function slaCycleOf(input: SlaStartInput): { cycle: number; expiry?: string } {
  const expiry = input.carry?.expiresOn ?? (input.currentExpiry ? startOfDate(input.currentExpiry) : undefined);
  return { cycle: input.carry?.cycle ?? 1, ...(expiry ? { expiry } : {}) };
}

export function slaSetOf(input: SlaStartInput, frame: SlaSet['frame']): SlaSet {
  return {
    ...stepContextOf(frame),
    input,
    processId: frame.processId,
    taskId: frame.taskId,
    services: frame.details.services,
    council: input.councilName ?? input.council,
    policy: input.policy,
    sla: input.policy.sla,
    ...slaCycleOf(input),
    ...(input.parent ? { parent: input.parent } : {}),
  };
}
