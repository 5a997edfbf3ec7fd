import { Prisma, type PrismaClient } from '../prisma/generated/client';
import { jsonb, writeAtOnce } from '../lib/statement';
import type { RecordedDecision, RecordedDecisionInput, TimelineTally, TimelineTallyInput } from '../workflows/common/engine-types';
import type { ProcessRegistryEntry } from '../workflows/common/process';
import type { Role } from '../workflows/common/roles';

/**
 * Whether PostgreSQL's jsonb takes the value: not a NUL, nor a lone surrogate (JSON.stringify escapes
 * only those). A process ended during an incident over such text keeps no final view; it is read by its query.
 */
const storableJson = (value: unknown): boolean => !/\\u0000|\\ud[89a-f][0-9a-f]{2}/i.test(JSON.stringify(value));

/**
 * The registry row of a process, written or brought up to date: a part of the write of the event that
 * changed it (see `oneStatement`). Keyed by process id, so a retry writes nothing twice.
 */
export function registryUpsert(entry: ProcessRegistryEntry): Prisma.Sql {
  const columns: [string, Prisma.Sql][] = [
    ['kind', Prisma.sql`${entry.kind}`],
    ['council', Prisma.sql`${entry.council}`],
    ['business_key', Prisma.sql`${entry.businessKey}`],
    ['group_key', Prisma.sql`${entry.groupKey}`],
    ['title', Prisma.sql`${entry.title}`],
    ['stage', Prisma.sql`${entry.stage}`],
    ['status', Prisma.sql`${entry.status}`],
    ['started_by', Prisma.sql`${entry.startedBy}`],
    ['started_at', Prisma.sql`${new Date(entry.startedAt)}`],
    ['updated_at', Prisma.sql`${new Date(entry.updatedAt)}`],
    // Entries from before incidents existed leave the column as it is.
    ...(entry.incident === undefined ? [] : [['incident', jsonb(entry.incident ?? undefined)] as [string, Prisma.Sql]]),
    ...(entry.finalView && storableJson(entry.finalView) ? [['final_view', jsonb(entry.finalView)] as [string, Prisma.Sql]] : []),
  ];
  const names = Prisma.raw(columns.map(([name]) => name).join(', '));
  return Prisma.sql`
    INSERT INTO process_record (id, ${names}) VALUES (${entry.processId}, ${Prisma.join(columns.map(([, value]) => value))})
    ON CONFLICT (id) DO UPDATE SET ${Prisma.raw(columns.map(([name]) => `${name} = EXCLUDED.${name}`).join(', '))}`;
}

export function createRegistryActivities(prisma: PrismaClient) {
  return {
    /**
     * Writes the process registry row. An upsert keyed by process id, so a retry writes nothing twice.
     * Used by processes started before the engine core; newer ones record it through processEvent.
     */
    async recordProcess(entry: ProcessRegistryEntry): Promise<void> {
      await writeAtOnce(prisma, [registryUpsert(entry)]);
    },

    /** A process's notes of one kind counted in the database (they may be thousands), the largest groups first. */
    async timelineTally({ processId, kind, groupBy, sumOf }: TimelineTallyInput): Promise<TimelineTally> {
      const groups = await prisma.$queryRaw<{ key: string | null; entries: bigint; total: bigint }[]>`
        SELECT data->>${groupBy} AS key, count(*) AS entries,
               sum(CASE WHEN jsonb_typeof(data->${sumOf}) = 'number' THEN (data->>${sumOf})::bigint ELSE 1 END) AS total
        FROM timeline_entry WHERE process_id = ${processId} AND kind = ${kind}
        GROUP BY 1 ORDER BY 3 DESC, 1`;
      const rows = groups.map((g) => ({ key: g.key ?? '', entries: Number(g.entries), total: Number(g.total) }));
      // The 100 largest groups go back to the workflow, so what it holds stays bounded; the totals count every entry.
      return { entries: rows.reduce((n, g) => n + g.entries, 0), total: rows.reduce((n, g) => n + g.total, 0), groups: rows.slice(0, 100) };
    },

    /**
     * The last decision another process recorded on one of its tasks, from its timeline (e.g. how an
     * ALMO's tenants were asked, for an options review's rule R1), or null when there is none.
     */
    async recordedDecision({ processId, taskId }: RecordedDecisionInput): Promise<RecordedDecision | null> {
      const row = await prisma.timelineEntry.findFirst({ where: { processId, taskId, kind: 'decision' }, orderBy: { seq: 'desc' } });
      if (!row?.outcome) return null;
      return {
        processId,
        taskId,
        outcome: row.outcome,
        at: row.at.toISOString(),
        ...(row.actorUserId && row.actorRole ? { actor: { userId: row.actorUserId, role: row.actorRole as Role } } : {}),
        documentIds: row.documentIds,
      };
    },
  };
}
