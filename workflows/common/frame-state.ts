import type { EndProcessInput, Incident, ProcessStatus } from './process';

/** Where a running process stands, as the parts of its frame share it. */
export interface FrameState {
  stage: string;
  status: ProcessStatus;
  updatedAt: string;
  /** An engine write that cannot succeed, while it waits for a programme manager. */
  incident?: Incident;
  /** A withdrawal or cancellation under way: set by its command, read by the run and by a waiting incident. */
  ending?: { stage: string; status: ProcessStatus; input: EndProcessInput };
  /** The process has finished: its last timeline entry is written. */
  finished: boolean;
  /**
   * The stage the timeline has recorded, with writes together (a step goes on before its stage change
   * is written): while an incident holds writes back, the process is read at this stage.
   */
  recordedStage?: string;
  /** Its steps have begun (the start's answer waits for them). */
  running: boolean;
}
