import { stepContextOf, type StepContext } from '../../common/frame';
import type { Actor } from '../../common/roles';
import type { LmaDetails, LmaStartInput, LmaForms, VariationRequestInput } from '../messages';
import type { LmaPolicy } from '../policy';
import type { CommonPolicy } from '../../common/policy';

// What every step of a Local Management Agreement reads: its input, its frame, what is worked out once
// from them, and the variation requests its handler queues for the term. Safe in workflows.

export interface Agreement extends StepContext<LmaDetails, LmaForms> {
  input: LmaStartInput;
  processId: string;
  startedAt: string;
  policy: CommonPolicy & { lma: LmaPolicy };
  carry: LmaStartInput['carry'];
  /** Runs from before the engine core have none of it (their histories replay without). */
  withEngine: boolean;
  /** The working days the group has for each of its steps, and a council officer for each of theirs. */
  groupStep: number;
  councilStep: number;
  /** A variation asked for during the term, queued for the term's variation loop. */
  variationRequest?: VariationRequestInput;
  /** How many variations have been asked for in this run. */
  variations: number;
}

export function agreementOf(input: LmaStartInput, frame: Agreement['frame'], policy: Agreement['policy'], withEngine: boolean): Agreement {
  return {
    ...stepContextOf(frame),
    input,
    processId: frame.processId,
    startedAt: frame.startedAt,
    policy,
    carry: input.carry,
    withEngine,
    groupStep: policy.lma.groupStepWorkingDays,
    councilStep: policy.lma.councilStepWorkingDays,
    variations: 0,
  };
}

/** An instant `ms` after another. */
export const later = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();

/** How the agreement names each signatory's capacity. */
export const SIGNING_AS: Partial<Record<Actor['role'], string>> = {
  resident_rep: "for the residents' group",
  programme_manager: 'for the council',
};

/** A variation as its tasks, emails and agreement name it: which one, why, asked for by whom. */
export interface Variation {
  name: string;
  reasons: string;
  requestedBy?: Actor;
}
