import { workflowNow } from '../../common/clock';
import { calendarDateInWords } from '../../common/format';
import { stepContextOf, type StepContext } from '../../common/frame';
import type { DecisionRecord } from '../../common/tasks';
import type { AlmoDetails, AlmoStartInput, AlmoForms, Workstream } from '../messages';

// What every step of an ALMO's establishment reads: its input, its frame, what is worked out once from
// them, and marking a workstream done. Safe in workflows.

export interface Establishment extends StepContext<AlmoDetails, AlmoForms> {
  input: AlmoStartInput;
  processId: string;
  policy: AlmoStartInput['policy'];
  /** The establishment's section of the council's policy. */
  p: AlmoStartInput['policy']['almo'];
  /** The working days each council step is due in. */
  step: number;
  /** The council's name as documents state it. */
  council: string;
  /** The parties section every document of the establishment opens with. */
  parties: { heading: string; lines: string[] };
  /** Tasks that run beside the process's steps (a flagged clash): awaited, and their failure seen, before it ends. */
  beside: Promise<unknown>[];
  /** Marks a set-up workstream done, on the timeline. */
  workstreamDone(workstream: Workstream, detail: string, actor?: DecisionRecord['actor']): Promise<void>;
}

export function establishmentOf(input: AlmoStartInput, frame: Establishment['frame']): Establishment {
  const council = input.councilName ?? input.council;
  const { details } = frame;
  return {
    ...stepContextOf(frame),
    workstreamDone: async (workstream, detail, actor) => {
      details.workstreams[workstream] = {
        ...details.workstreams[workstream],
        done: true,
        doneAt: details.workstreams[workstream].doneAt ?? workflowNow(),
        detail,
      };
      await frame.note(`Workstream done: ${details.workstreams[workstream].name} (${detail})`, actor);
    },
    input,
    processId: frame.processId,
    policy: input.policy,
    p: input.policy.almo,
    step: input.policy.almo.councilStepWorkingDays,
    council,
    parties: {
      heading: 'Parties',
      lines: [
        `The council: ${council}`,
        `The ALMO: ${input.almo}`,
        `The stock: ${input.stock.dwellings} dwellings, ${input.stock.leaseholders} leaseholders`,
      ],
    },
    beside: [],
  };
}

export const onDate = calendarDateInWords;
