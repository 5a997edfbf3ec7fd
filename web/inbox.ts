import { z } from 'zod';
import { dateTimeInWords } from '../workflows/common/format';
import { labelOf } from './forms';

/** A task as the inbox page reads it from `GET /tasks`. */
export interface InboxTask {
  id: string;
  processId: string;
  processKind: string;
  council: string;
  title: string;
  role: string;
  assignee: string | null;
  openedAt: string;
  dueAt: string | null;
  closedAt?: string | null;
  outcome?: string | null;
}

const DAY_MS = 86_400_000;
/** Due within this many days counts as due soon. */
const SOON_DAYS = 3;

const LONDON_PARTS = new Intl.DateTimeFormat('en-GB', {
  weekday: 'long',
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  timeZone: 'Europe/London',
});
/** A day as GOV.UK writes it: "Tuesday 8 December 2026" (no comma). */
const LONDON_DATE = {
  format: (at: Date): string => {
    const part = (type: string) => LONDON_PARTS.formatToParts(at).find((p) => p.type === type)?.value ?? '';
    return `${part('weekday')} ${part('day')} ${part('month')} ${part('year')}`;
  },
};
const londonDay = (at: Date): number => {
  const [day, month, year] = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London' }).format(at).split('/').map(Number);
  return Date.UTC(year as number, (month as number) - 1, day as number) / DAY_MS;
};

/** When a task is due, in words: "due Tuesday 8 December 2026", "due today", "3 days overdue". */
export function dueInWords(dueAt: string | null, now: Date): string {
  if (!dueAt) return 'no due date';
  const due = new Date(dueAt);
  const days = londonDay(due) - londonDay(now);
  if (due.getTime() < now.getTime()) {
    const late = Math.max(0, -days);
    return late === 0 ? 'overdue today' : late === 1 ? '1 day overdue' : `${late} days overdue`;
  }
  return days === 0 ? 'due today' : days === 1 ? `due tomorrow, ${LONDON_DATE.format(due)}` : `due ${LONDON_DATE.format(due)}`;
}

type Urgency = 'overdue' | 'soon' | 'later';
export const URGENCY_HEADINGS: Record<Urgency, string> = { overdue: 'Overdue', soon: 'Due soon', later: 'Not due yet' };

const urgencyOf = (task: InboxTask, now: Date): Urgency => {
  if (!task.dueAt) return 'later';
  const due = Date.parse(task.dueAt);
  return due < now.getTime() ? 'overdue' : due - now.getTime() <= SOON_DAYS * DAY_MS ? 'soon' : 'later';
};

/** The inbox grouped by urgency, each task with its due date in words. */
export function inboxOf(tasks: InboxTask[], total: number, now: Date, kindName: (kind: string) => string) {
  const groups = (Object.keys(URGENCY_HEADINGS) as Urgency[]).map((urgency) => ({
    urgency,
    heading: URGENCY_HEADINGS[urgency],
    tasks: tasks
      .filter((t) => urgencyOf(t, now) === urgency)
      .map((t) => ({ ...t, process: kindName(t.processKind), due: dueInWords(t.dueAt, now) })),
  }));
  const completed = tasks.map((t) => ({
    ...t,
    process: kindName(t.processKind),
    outcomeText: t.outcome ? labelOf(t.outcome) : '',
    closed: t.closedAt ? dateTimeInWords(t.closedAt) : '',
  }));
  return { total, shown: tasks.length, groups, completed };
}

/** Whose tasks the inbox shows (the filter's choices), and the API's words for them. */
export const SHOWN = {
  mine: { text: 'Assigned to me or unassigned in my roles', owner: 'me_or_my_roles' },
  assigned: { text: 'Assigned to me', owner: 'me' },
  unassigned: { text: 'Unassigned in my roles', owner: 'unassigned' },
  roles: { text: 'Anyone’s in my roles', owner: 'my_roles' },
  completed: { text: 'Completed by me', owner: undefined },
} as const;
type Shown = keyof typeof SHOWN;
export const PAGE_SIZE = 25;

/**
 * The inbox's filters and order, kept in its URL so a view can be bookmarked and shared. A value the
 * page does not offer falls back to its default: the filters are links and choices, not typed input.
 */
export const inboxQuery = z.object({
  show: z.enum(Object.keys(SHOWN) as [Shown, ...Shown[]]).catch('mine'),
  overdue: z.literal('yes').optional().catch(undefined),
  kind: z
    .string()
    .regex(/^[a-z]+$/)
    .max(40)
    .optional()
    .catch(undefined),
  sort: z.enum(['due', 'opened']).catch('due'),
  page: z.coerce.number().int().min(1).max(10_000).catch(1),
});
export type InboxQuery = z.infer<typeof inboxQuery>;

/** The inbox's URL for a query (the defaults left out, so the plain inbox stays `/app/`). */
export function inboxHref(webPath: string, query: InboxQuery, file = ''): string {
  const params = new URLSearchParams();
  if (query.show !== 'mine') params.set('show', query.show);
  if (query.overdue) params.set('overdue', 'yes');
  if (query.kind) params.set('kind', query.kind);
  if (query.sort !== 'due') params.set('sort', query.sort);
  if (query.page > 1 && !file) params.set('page', String(query.page));
  const search = params.toString();
  return `${webPath}/${file}${search ? `?${search}` : ''}`;
}

/** The API's query for the inbox's: the person's council acted for ('*': every council), whose, which, in what order. */
export function apiQueryOf(query: InboxQuery, userId: string, council: string, pageSize = PAGE_SIZE): string {
  const params = new URLSearchParams({ page: String(query.page), page_size: String(pageSize) });
  if (council !== '*') params.set('council', council);
  if (query.kind) params.set('kind', query.kind);
  if (query.show === 'completed') {
    params.set('status', 'completed');
    params.set('closed_by', userId);
    params.set('sort', 'closed');
  } else {
    params.set('status', 'open');
    params.set('owner', SHOWN[query.show].owner);
    params.set('sort', query.sort);
    if (query.overdue) params.set('overdue', 'true');
  }
  return `/tasks?${params.toString()}`;
}

/** GOV.UK pagination for page `current` of `total` items: previous, next and the page numbers around it. */
export function paginationOf(hrefOf: (page: number) => string, current: number, total: number, pageSize = PAGE_SIZE) {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  if (pages === 1) return undefined;
  const numbers = [...new Set([1, current - 1, current, current + 1, pages])].filter((n) => n >= 1 && n <= pages).sort((a, b) => a - b);
  const items: ({ number: number; href: string; current: boolean } | { ellipsis: true })[] = [];
  numbers.forEach((n, i) => {
    if (i > 0 && n - (numbers[i - 1] as number) > 1) items.push({ ellipsis: true });
    items.push({ number: n, href: hrefOf(n), current: n === current });
  });
  return {
    items,
    ...(current > 1 ? { previous: { href: hrefOf(current - 1) } } : {}),
    ...(current < pages ? { next: { href: hrefOf(current + 1) } } : {}),
  };
}
