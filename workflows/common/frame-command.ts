import { setHandler } from '@temporalio/workflow';
import type { UpdateDefinition } from '@temporalio/common';
import type { Actor, Role } from './roles';
import { TASK_REFUSALS, refuse } from './tasks';

/** An extra command of a process: who may send it, when, what it must say, and what it changes. */
export interface CommandSpec<Input extends { actor: Actor; reasons?: string }, Result> {
  roles: Role[];
  /** Who may send it, in words, for the refusal. */
  whoMay: string;
  notNow: (stage: string) => { type: string; message: string } | undefined;
  refuseWhen?: (input: Input) => string | undefined;
  reasonsRequired?: boolean;
  checkInput?: (input: Input) => string | undefined;
  handle: (input: Input) => Promise<Result>;
}

/**
 * An extra command of the process (an update beside the task book, e.g. a variation request): one
 * place checks it, in this order, before anything reaches the history: the stage (`notNow` says why
 * not now, with its refusal type), any rule of the process (`refuseWhen`), the role, reasons when
 * required, then the input itself (`checkInput`). `handle` changes what the command changes.
 */
export function acceptCommand<Input extends { actor: Actor; reasons?: string }, Result>(
  stage: () => string,
  update: UpdateDefinition<Result, [Input]>,
  spec: CommandSpec<Input, Result>,
): void {
  setHandler(update, spec.handle, {
    validator: (input) => {
      const notNow = spec.notNow(stage());
      if (notNow) refuse(notNow.type, notNow.message);
      const rule = spec.refuseWhen?.(input);
      if (rule) refuse(TASK_REFUSALS.ruleViolation, rule);
      if (!spec.roles.includes(input?.actor?.role)) refuse(TASK_REFUSALS.actorNotAllowed, spec.whoMay);
      if (spec.reasonsRequired && (typeof input.reasons !== 'string' || input.reasons.trim() === ''))
        refuse(TASK_REFUSALS.reasonRequired, 'reasons are required');
      const problem = spec.checkInput?.(input);
      if (problem) refuse(TASK_REFUSALS.invalidForm, problem);
    },
  });
}
