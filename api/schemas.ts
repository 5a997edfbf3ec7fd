import { z } from 'zod';
import { councilSlug, isoDateTime, reasonsText, text, userId } from '../lib/field-schemas';
import { ROLES } from '../workflows/common/roles';

// The request and response shapes of the API: one zod schema each, the single source of truth for
// validation and for /openapi.json.

export const slug = councilSlug;

export const processIdParams = z.object({
  // Long enough for a business key of a council and two 200-character names (an LMA's estate and group).
  id: z
    .string()
    .min(1)
    .max(600)
    .regex(/^[a-z]+:[a-z0-9:-]+$/, 'not a process id'),
});
export const taskIdParams = z.object({
  // A task key is made of the process's own words: stage names, service keys (`call_centre`) and counters.
  id: z
    .string()
    .min(1)
    .max(1000)
    .regex(/^[a-z]+:[a-z0-9:-]+~[a-z0-9_-]+$/, 'not a task id'),
});
/** How many tasks one hand-over moves (each is an update of its process). */
export const HAND_OVER_MAX = 200;
export const documentIdParams = z.object({ id: z.uuid() });
export const councilParams = z.object({ council: slug });

const pageQuery = {
  page: z.coerce.number().int().min(1).max(10_000).default(1),
  page_size: z.coerce.number().int().min(1).max(100).default(25),
};

/** The process search query, for the process kinds the service runs. */
export const listProcessesQuery = (kinds: string[]) =>
  z
    .object({
      council: slug.optional(),
      kind: z.enum(kinds as [string, ...string[]]).optional(),
      stage: z.string().max(100).optional(),
      incident: z.literal('open').optional().meta({ description: 'only processes waiting on an incident' }),
      status: z.enum(['active', 'completed', 'withdrawn', 'cancelled']).optional(),
      overdue: z.literal('true').optional().meta({ description: 'only processes with an open task past its due date' }),
      sort: z
        .enum(['started', 'updated', 'title'])
        .default('started')
        .meta({ description: 'newest started first (the default), most recently changed first, or by title' }),
      ...pageQuery,
    })
    .strict();
export const listTasksQuery = (kinds: string[]) =>
  z
    .object({
      council: slug.optional(),
      kind: z.enum(kinds as [string, ...string[]]).optional(),
      process: processIdParams.shape.id.optional(),
      role: z.enum(ROLES).optional(),
      assignee: z.string().min(1).max(200).optional(),
      owner: z.enum(['me_or_my_roles', 'me', 'unassigned', 'my_roles']).optional().meta({
        description:
          "whose tasks, from the caller's grants: assigned to me or unassigned in a role I hold (an officer's inbox), assigned to me, unassigned in a role I hold, or any in a role I hold",
      }),
      status: z.enum(['open', 'completed', 'cancelled']).default('open'),
      overdue: z.literal('true').optional().meta({ description: 'only tasks past their due date' }),
      closed_by: z.string().min(1).max(200).optional().meta({ description: 'only tasks this user completed' }),
      due_before: isoDateTime.optional(),
      sort: z
        .enum(['due', 'opened', 'closed'])
        .default('due')
        .meta({ description: 'soonest due first, newest opened first, or latest closed first' }),
      ...pageQuery,
    })
    .strict();

export const completeTaskBody = z
  .object({
    outcome: z.string().min(1).max(50),
    reasons: reasonsText.optional(),
    attachments: z.array(z.uuid()).max(50).optional(),
    /** What the task asks for; each task kind's own schema checks it (api/task-forms.ts). */
    form: z.record(z.string().min(1).max(100), z.unknown()).optional(),
  })
  .strict();
export type CompleteTaskBody = z.infer<typeof completeTaskBody>;

export const delegateTaskBody = z.object({ to: userId, reason: text(2_000).optional() }).strict();
/** A note on a task: what someone wants the next person to know, on the process's timeline. */
export const taskNoteBody = z.object({ note: text(2_000) }).strict();
/** Handing over a person's open tasks: all of those assigned to them in the council, or those named. */
export const handOverBody = z
  .object({
    from: userId,
    to: userId,
    taskIds: z.array(taskIdParams.shape.id).min(1).max(HAND_OVER_MAX).optional(),
    reason: text(2_000).optional(),
  })
  .strict();
export const handOverResponse = z.object({
  from: z.string(),
  to: z.string(),
  results: z.array(
    z.object({ taskId: z.string(), title: z.string(), processId: z.string(), moved: z.boolean(), why: z.string().optional() }),
  ),
  /** Tasks of theirs beyond this answer's limit, left for another hand-over. */
  remaining: z.number().int(),
});
export const releaseTaskBody = z
  .object({ reason: text(2_000).optional() })
  .strict()
  .optional();

// Responses.
const actor = z.object({ userId: z.string(), role: z.enum(ROLES) });
/** A task a command opened, as the caller needs it to act next; it is in the inbox already. */
export const openedTask = z.object({
  id: z.string(),
  taskId: z.string(),
  kind: z.string(),
  title: z.string(),
  role: z.enum(ROLES),
  assignee: z.string().optional(),
  dueAt: isoDateTime.optional(),
});
export const startedResponse = z.object({
  processId: z.string(),
  kind: z.string(),
  created: z.boolean(),
  /** For a new process that has taken its first steps: where it stands and the tasks it waits on. */
  stage: z.string().optional(),
  opened: z.array(openedTask).optional(),
  links: z.object({ self: z.string() }),
});
export const processSummary = z.object({
  processId: z.string(),
  kind: z.string(),
  council: z.string(),
  businessKey: z.string(),
  title: z.string(),
  stage: z.string(),
  status: z.string(),
  startedBy: z.string(),
  startedAt: isoDateTime,
  updatedAt: isoDateTime,
  incident: z
    .object({ activity: z.string(), message: z.string(), since: z.string(), attempts: z.number() })
    .nullable()
    .meta({ description: 'the failed write the process waits on, if any' }),
});
type PageQuery = { page: number; page_size: number };
/** The rows of the page a list query asks for. */
export const pageWindow = (query: PageQuery) => ({ skip: (query.page - 1) * query.page_size, take: query.page_size });
/** A list answer: one page of items and how many there are in all. */
export const pageOf = <T>(query: PageQuery, items: T[], total: number) => ({ items, page: query.page, pageSize: query.page_size, total });
export const page = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), page: z.number(), pageSize: z.number(), total: z.number() });
export const taskCandidatesResponse = z.object({
  taskId: z.string(),
  role: z.enum(ROLES),
  items: z.array(z.object({ userId: z.string(), name: z.string() })),
});
export const taskResponse = z.object({
  id: z.string(),
  processId: z.string(),
  taskId: z.string(),
  council: z.string(),
  processKind: z.string(),
  kind: z.string(),
  title: z.string(),
  role: z.enum(ROLES),
  assignee: z.string().nullable(),
  status: z.string(),
  outcomes: z.array(z.string()),
  requiredFormFields: z.array(z.string()),
  reasonsRequiredFor: z.array(z.string()).meta({ description: 'the outcomes a decision must give reasons for' }),
  forms: z
    .record(z.string(), z.string())
    .meta({ description: "where /openapi.json describes this task's form, by outcome ('*': any other outcome)" }),
  data: z.unknown(),
  openedAt: isoDateTime,
  dueAt: isoDateTime.nullable(),
  outcome: z.string().nullable(),
  closedBy: z.string().nullable(),
  closedAt: isoDateTime.nullable(),
});
/** One task: as listed, and what each outcome's form starts filled with, from what the process knows. */
export const taskDetailResponse = taskResponse.extend({
  formStarts: z
    .record(z.string(), z.record(z.string(), z.unknown()))
    .meta({ description: "by outcome, the form's starting values (e.g. a draft from the approved plan); outcomes without any left out" }),
});
export const completeTaskResponse = z.object({
  taskId: z.string(),
  outcome: z.string(),
  stage: z.string(),
  opened: z.array(openedTask).optional(),
  decision: z
    .looseObject({
      outcome: z.string(),
      actor,
      reasons: z.string().optional(),
      attachments: z.array(z.string()),
      form: z.record(z.string(), z.unknown()),
      decidedAt: z.string(),
    })
    .optional(),
});
export const processViewResponse = z.looseObject({
  processId: z.string(),
  kind: z.string(),
  council: z.string(),
  stage: z.string(),
  status: z.string(),
  startedBy: actor,
  openTasks: z.array(z.looseObject({ taskId: z.string(), role: z.enum(ROLES) })),
  decisions: z.array(z.looseObject({ taskId: z.string(), outcome: z.string(), actor })),
  details: z.record(z.string(), z.unknown()),
  /** What it waits for and from whom, its child workflows' steps included. */
  waitingFor: z.array(
    z.object({
      id: z.string(),
      taskId: z.string(),
      title: z.string(),
      role: z.enum(ROLES),
      assignee: z.string().nullable(),
      dueAt: isoDateTime.nullable(),
      workflowId: z.string(),
      ofChild: z.boolean(),
    }),
  ),
});
export const rulesResponse = z.object({
  processId: z.string(),
  kind: z.string(),
  stage: z.string(),
  rules: z.array(
    z.object({
      rule: z.string(),
      source: z.string(),
      outcome: z.enum(['met', 'not met', 'not reached']),
      detail: z.string(),
      checkedBy: z.string().meta({ description: 'where the workflow holds the rule: a function and its file' }),
      blocks: z.string().optional(),
    }),
  ),
  /** The rules that stop a next step now. */
  blocking: z.array(z.string()),
});
export const timelineResponse = z.object({
  processId: z.string(),
  entries: z.array(
    z.object({
      at: isoDateTime,
      kind: z.string(),
      summary: z.string(),
      actor: actor
        .extend({ name: z.string().nullable().meta({ description: 'their name as the service records it, if it knows them' }) })
        .nullable(),
      taskId: z.string().nullable(),
      outcome: z.string().nullable(),
      reasons: z.string().nullable(),
      documentIds: z.array(z.string()),
      stage: z.string().nullable().meta({ description: 'the stage a process event (start, stage change, end) left the process at' }),
    }),
  ),
});
export const documentSummary = z.object({
  id: z.string(),
  processId: z.string(),
  step: z.string(),
  kind: z.string(),
  title: z.string(),
  version: z.number(),
  sha256: z.string(),
  mediaType: z.string(),
  sizeBytes: z.number(),
  createdAt: isoDateTime,
  /** Readable at its link without signing in. */
  public: z.boolean(),
  links: z.object({ content: z.string() }),
});

export const endProcessBody = z.object({ reasons: reasonsText }).strict();

/** A note a process took (a resident's contact): it is on the timeline. */
export const noteRecordedResponse = z.object({ processId: z.string(), stage: z.string(), kind: z.string(), at: isoDateTime });
