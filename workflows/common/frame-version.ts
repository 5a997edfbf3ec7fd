import { patched } from '@temporalio/workflow';
import type { ProcessRef } from './engine-types';

/**
 * Which of the frame's versions a run takes, decided once at its start in the order the patches were
 * added (their markers' order is part of the command sequence). A kind with no runs from before the
 * frame of its day (`versions: 'current'`) takes the paths of that day without asking; a path added since is
 * asked of it like any other (`writesTogether`). Two are asked later,
 * when their moment comes, as their markers were recorded then: whether a decision's answer waits for
 * what it set off (asked as the task book is made) and whether the start's answer does (asked at it).
 */
export function frameVersion(options: { withoutEngine?: boolean; parent?: ProcessRef; versions?: 'current' }) {
  const current = options.versions === 'current';
  const ask = (patch: string) => current || patched(patch);
  const engine = !options.withoutEngine;
  /** Local activities; earlier runs replay with the (remote) activities they used. */
  const local = engine && ask('local-engine-activities');
  return {
    local,
    /** One local activity at a time: concurrent ones made runs that could not replay. */
    oneAtATime: local && ask('local-activities-one-at-a-time'),
    /** A write that cannot succeed becomes an incident (not in a child: its parent's process shows it). */
    withIncidents: engine && !options.parent && ask('activity-incidents'),
    /** A process, or a child cancelled from outside, ends only once its tasks' writes and children are done. */
    endsAfterChildren: engine && ask('end-after-children'),
    answersWhenSettled: () => ask('answer-when-settled'),
    startAnswerAfterStepsBegin: () => ask('start-answer-after-steps-begin'),
    /** A deadline already passed fires at once through a 1 ms timer; kinds from before keep the SDK's handling of 0. */
    deadlineFloorMs: current ? 1 : 0,
    /**
     * The engine's writes asked for until the workflow waits go in one local activity (`writeTogether`),
     * and a decision's write does not hold up what it sets off. Asked of every kind, 'current' ones too:
     * they have runs from before it.
     */
    writesTogether: local && patched('engine-writes-together'),
  };
}
