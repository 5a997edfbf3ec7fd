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
  return { total, shown: tasks.length, groups };
}
