import type { z } from 'zod';
import { almoDefinition } from '../workflows/almo/definition';
import { communityContractDefinition } from '../workflows/communitycontract/definition';
import { lmaDefinition } from '../workflows/lma/definition';
import { optionsReviewDefinition } from '../workflows/optionsreview/definition';
import { slaDefinition } from '../workflows/sla/definition';
import type { RuleOutcome } from '../workflows/common/rules';
import type { NamedPerson, ProcessDefinition, TaskForm } from './process-definition';

// The one place that lists the process kinds. Adding a process is a folder under workflows/ and a line
// here (and its workflow in workflows/index.ts, the bundle's entry); nothing else changes.
export const PROCESS_DEFINITIONS: ProcessDefinition[] = [
  lmaDefinition,
  slaDefinition,
  almoDefinition,
  optionsReviewDefinition,
  communityContractDefinition,
];

/** Paths under /processes/:id that every process has, which no process's own command or read may take. */
const COMMON_PROCESS_PATHS = ['withdraw', 'cancel', 'timeline', 'documents', 'history', 'replay', 'evidence-pack', 'rules'];

/** Raised at start-up for a definition the service cannot run safely. */
export class ProcessDefinitionError extends Error {}

/** The component name of a task form in the API description. */
export const taskFormId = (kind: string, taskKind: string, outcome?: string): string =>
  `TaskForm.${kind}.${taskKind}${outcome ? `.${outcome}` : ''}`;

/** The process definitions the service runs, looked up by kind, checked once when built. */
export class ProcessRegistry {
  private readonly byKind = new Map<string, ProcessDefinition>();

  constructor(readonly definitions: ProcessDefinition[]) {
    for (const definition of definitions) {
      const fail = (problem: string): never => {
        throw new ProcessDefinitionError(`process kind '${definition.kind}': ${problem}`);
      };
      if (!/^[a-z]+$/.test(definition.kind)) fail('a kind is lower-case letters only (it starts every process id)');
      if (this.byKind.has(definition.kind)) fail('defined twice');
      for (const taskKind of definition.taskKinds) {
        if (!definition.taskForms[taskKind]) fail(`task kind '${taskKind}' has no form schema`);
      }
      for (const taskKind of Object.keys(definition.taskForms)) {
        if (!definition.taskKinds.includes(taskKind)) fail(`form for '${taskKind}', which is not one of its task kinds`);
      }
      const posts = [...(definition.commands ?? []), ...(definition.notes ?? [])].map((item) => item.path);
      for (const path of [...posts, ...(definition.reads ?? []).map((item) => item.path)]) {
        if (COMMON_PROCESS_PATHS.includes(path)) fail(`'${path}' is a path every process has`);
      }
      if (new Set(posts).size !== posts.length) fail('a command and a note share a path');
      const defaults = definition.policy.schema.safeParse(definition.policy.defaults);
      if (!defaults.success) fail(`its policy defaults do not pass its policy schema: ${defaults.error.message}`);
      const crossCheck = definition.policy.check?.(definition.policy.defaults);
      if (crossCheck) fail(`its policy defaults break its own rule: ${crossCheck.message}`);
      this.byKind.set(definition.kind, definition);
    }
  }

  get kinds(): string[] {
    return [...this.byKind.keys()];
  }

  get(kind: string): ProcessDefinition | undefined {
    return this.byKind.get(kind);
  }

  /** How a process's rules stand, from its view's details (none for a kind without rules). */
  rulesOf(view: { kind: string; details: unknown; policy?: Record<string, unknown> }): RuleOutcome[] | undefined {
    return this.byKind.get(view.kind)?.rulesReport?.(view.details, view.policy);
  }

  /** The kinds a caller can start with `POST /processes` (a child-only kind cannot). */
  startable(): (ProcessDefinition & { start: NonNullable<ProcessDefinition['start']> })[] {
    return this.definitions.filter(
      (d): d is ProcessDefinition & { start: NonNullable<ProcessDefinition['start']> } => d.start !== undefined,
    );
  }

  /** The schema a task's `form` must pass for `outcome`; undefined for a task kind the process never declared. */
  taskForm(kind: string, taskKind: string, outcome: string): z.ZodType | undefined {
    const form = this.byKind.get(kind)?.taskForms[taskKind];
    if (!form) return undefined;
    return isByOutcome(form) ? (form.byOutcome[outcome] ?? form.otherwise) : form;
  }

  /** The people a task's (valid) form names to act, with the role each must hold: none for most forms. */
  namedInForm(kind: string, taskKind: string, form: unknown): NamedPerson[] {
    const named = this.byKind.get(kind)?.formNamedPeople?.[taskKind] as ((form: unknown) => NamedPerson[]) | undefined;
    return named ? named(form) : [];
  }

  /** What each outcome's form of a task starts filled with (see ProcessDefinition.formStarts); outcomes without one left out. */
  formStarts(kind: string, taskKind: string, outcomes: readonly string[], data: unknown): Record<string, Record<string, unknown>> {
    const start = this.byKind.get(kind)?.formStarts?.[taskKind] as
      ((data: unknown, outcome: string) => Record<string, unknown> | undefined) | undefined;
    if (!start) return {};
    return Object.fromEntries(
      outcomes.flatMap((outcome) => {
        const form = start(data, outcome);
        return form ? [[outcome, form]] : [];
      }),
    );
  }

  /** Where the API description documents a task's form, per outcome (`*`: every outcome). */
  formRefs(kind: string, taskKind: string): Record<string, string> {
    const form = this.byKind.get(kind)?.taskForms[taskKind];
    if (!form) return {};
    const ref = (outcome?: string) => `#/components/schemas/${taskFormId(kind, taskKind, outcome)}`;
    return isByOutcome(form)
      ? { ...Object.fromEntries(Object.keys(form.byOutcome).map((outcome) => [outcome, ref(outcome)])), '*': ref() }
      : { '*': ref() };
  }

  /** Every task form, named as the API description's components. */
  formSchemas(): Record<string, z.ZodType> {
    const schemas: Record<string, z.ZodType> = {};
    for (const definition of this.definitions) {
      for (const [taskKind, form] of Object.entries(definition.taskForms)) {
        if (isByOutcome(form)) {
          for (const [outcome, schema] of Object.entries(form.byOutcome)) schemas[taskFormId(definition.kind, taskKind, outcome)] = schema;
          schemas[taskFormId(definition.kind, taskKind)] = form.otherwise;
        } else schemas[taskFormId(definition.kind, taskKind)] = form;
      }
    }
    return schemas;
  }
}

const isByOutcome = (form: TaskForm): form is Extract<TaskForm, { byOutcome: unknown }> =>
  typeof form === 'object' && form !== null && 'byOutcome' in form;

/** The service's processes. Tests build their own registry with fixture processes added. */
export const PROCESSES = new ProcessRegistry(PROCESS_DEFINITIONS);
