import type { UpdateDefinition } from '@temporalio/common';
import type { z } from 'zod';
import type { CommonPolicy } from '../workflows/common/policy';
import type { Actor, Role } from '../workflows/common/roles';
import type { RuleOutcome } from '../workflows/common/rules';
import type { ProcessRef } from '../workflows/common/engine-types';
import type { Prisma } from '../prisma/generated/client';
import type { PrismaClient } from './db';

/** An email a process sends of its own, beyond the engine's: its subject and lines, from the facts its event carries. */
export type EmailTemplate = (process: ProcessRef, facts: Record<string, unknown>) => { subject: string; body: string[] };

/** What a process's own activities are built from. */
export interface ProcessActivityDependencies {
  prisma: PrismaClient;
  /** An email of `event` (the engine's or a process's own template) for the outbox: a part of the caller's write (`writeAtOnce`). */
  emailRow(input: {
    process: ProcessRef;
    event: string;
    dedupeKey: string;
    toRoles?: Role[];
    toUsers?: string[];
    scope?: string;
    facts: Record<string, unknown>;
  }): Prisma.Sql;
}

// What a process folder tells the service about itself (`workflows/<kind>/definition.ts`). The API,
// the policy and the auditors' code know processes only through these, listed by the registry
// (lib/process-registry.ts). This is the zod half of a process: the workflow bundle never loads it.

/** Where a process belongs, which is what access is decided on. */
export interface ProcessScope {
  council: string;
  /** The residents' group of the process, if it has one. */
  groupKey: string;
}

/** A person a request names to act in a process, the role they must hold there, and where the request names them. */
export interface NamedPerson {
  path: (string | number)[];
  userId: string;
  role: Role;
}

/** The form of one task kind: one schema, or one per outcome (an outcome without one takes `otherwise`). */
export type TaskForm = z.ZodType | { byOutcome: Record<string, z.ZodType>; otherwise: z.ZodType };

/**
 * A process's task forms, each schema checked against the form type its messages declare for the kind
 * (what the workflow reads): every kind has one, no other, and what it lets through is of that type.
 */
export type TaskFormsOf<Forms> = {
  [Kind in keyof Forms]: z.ZodType<Forms[Kind]> | { byOutcome: Record<string, z.ZodType<Forms[Kind]>>; otherwise: z.ZodType<Forms[Kind]> };
};

/** How a process starts: `POST /processes` with `kind` naming it. */
export interface ProcessStart<Body extends { kind: string; council: string }> {
  /** The request body; `kind` is a literal of the process kind. */
  body: z.ZodType<Body>;
  /** Who may start it; a resident_rep only for the group the body names. */
  roles: Role[];
  scope(body: Body): ProcessScope;
  /** The business key, which is the workflow id: the same process twice is refused (PROCESSES.md, common to all). */
  businessKey(body: Body): string;
  /** The stage it starts in (the search attribute set at start). */
  stage: string;
  /**
   * The people the body names to act in the process (an SLA service's lead), with the role each must
   * hold in the council: one who does not is refused at the start, naming the field, since their task
   * would be for nobody.
   */
  namedPeople?(body: Body): NamedPerson[];
  /** The workflow's one argument. */
  /** `councilName`: the council's display name when it is on record (`npm run admin -- council`). */
  input(body: Body, context: { startedBy: Actor; policy: CommonPolicy & Record<string, unknown>; councilName?: string }): unknown;
}

/** A command on a running process, beyond completing tasks: `POST /processes/:id/<path>`. */
export interface ProcessCommand<Body = unknown, Input = unknown, Result = unknown> {
  path: string;
  summary: string;
  body: z.ZodType<Body>;
  /** Who may send it; the first of these the caller holds for the process is the role it acts in. */
  roles: Role[];
  update: UpdateDefinition<Result, [Input]>;
  input(body: Body, actor: Actor): Input;
  response: z.ZodType;
}

/**
 * Something people report that is not a decision (a resident's contact, a note): `POST /processes/:id/<path>`
 * writes it to the process's timeline, with its audit entry, without a workflow update each, so there
 * is no bound on how many a process takes. The workflow reads them when it needs them (`timelineTally`).
 */
export interface ProcessNote<Body = unknown> {
  path: string;
  summary: string;
  body: z.ZodType<Body>;
  /** Who may record it; the first of these the caller holds for the process is the role it acts in. */
  roles: Role[];
  /** The stages in which the process takes it (from its registry row). */
  stages: readonly string[];
  /** Its timeline entry's kind, which the workflow tallies. */
  kind: string;
  /** Its timeline entry's summary. */
  inWords(body: Body): string;
}

/** A read model of the process beyond the common ones: `GET /processes/:id/<path>`. */
export interface ProcessRead {
  path: string;
  summary: string;
  response: z.ZodType;
  load(prisma: PrismaClient, processId: string): Promise<unknown>;
}

export interface ProcessDefinition {
  /** The folder name and the first part of every process id, e.g. `lma`. */
  kind: string;
  /** What people call it, e.g. "Local Management Agreement". */
  name: string;
  /** The workflow function's name. */
  workflowType: string;
  /** How it starts; a kind that only ever runs as a child of another process has none. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each process has its own body
  start?: ProcessStart<any>;
  stages: readonly string[];
  /** Who may withdraw it (the council's programme_manager may cancel any process). */
  withdrawnBy?: Role;
  /** Its section of a council's policy, under its kind. */
  policy: {
    schema: z.ZodObject;
    defaults: Record<string, unknown>;
    /** A rule across fields of the section: the field and the message, or nothing. */
    check?(section: Record<string, unknown>): { field: string; message: string } | undefined;
  };
  /** Every task kind its workflows open; each needs a form. */
  taskKinds: readonly string[];
  taskForms: Record<string, TaskForm>;
  /**
   * The people a task's form names to act (an ALMO's central services and their leads), by task kind:
   * as at the start, one who does not hold their role in the council is refused, naming the field.
   */
  formNamedPeople?: Record<string, (form: never) => NamedPerson[]>;
  /**
   * What a task's form starts filled with, by task kind, for an outcome, from the task's data (what the
   * process already knows: a draft starts from the approved plan, a counter-proposal from the proposal).
   */
  formStarts?: Record<string, (data: never, outcome: string) => Record<string, unknown> | undefined>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each command has its own types
  commands?: ProcessCommand<any, any, any>[];
  reads?: ProcessRead[];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each note has its own body
  notes?: ProcessNote<any>[];
  /**
   * How its rules stand, from the process view's details, stating the figures of the policy the process
   * runs with (its view's `policy`; absent in views from before, when the report says "the policy's").
   */
  rulesReport?(details: unknown, policy?: Record<string, unknown>): RuleOutcome[];
  /** The kinds of document it produces, with what each is. */
  documents: Record<string, string>;
  /**
   * What it offers other processes to read, by name: the decision of one of its tasks (e.g. how the
   * ALMO establishment tested tenants' opinion, for an options review's rule R1). The task stays the
   * process's own business; a reader names the export (`processExport` activity), so renaming the task
   * means changing this line, not the reader.
   */
  exports?: Record<string, { decisionOf: string }>;
  /** Its own timeline event kinds, beyond the engine's (stage changes, decisions, notes), with what each records. */
  events?: Record<string, string>;
  /** Its own email templates, by event name, for the emails its events and activities send. */
  emails?: Record<string, EmailTemplate>;
  /**
   * Its own activities (I/O beyond the engine's, e.g. the LMA's payment instructions), registered with
   * the engine's by the worker. They live in the process folder's `activities.ts`, never bundled.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each activity has its own signature
  activities?(deps: ProcessActivityDependencies): Record<string, (...args: any[]) => Promise<unknown>>;
}

/** What a process's workflow gets of a council's policy: the common part and its own section, nothing of other processes. */
export function ownPolicy<K extends string, S>(policy: CommonPolicy & Record<string, unknown>, kind: K): CommonPolicy & Record<K, S> {
  return {
    calendar: policy.calendar,
    reminderWorkingDaysBefore: policy.reminderWorkingDaysBefore,
    escalation: policy.escalation,
    [kind]: policy[kind] as S,
  } as CommonPolicy & Record<K, S>;
}
