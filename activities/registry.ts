import { Prisma, type PrismaClient } from '../prisma/generated/client';
import type { RecordedDecision, RecordedDecisionInput, TimelineTally, TimelineTallyInput } from '../workflows/common/engine-types';
import type { ProcessRegistryEntry } from '../workflows/common/process';
import type { Role } from '../workflows/common/roles';

/**
 * Whether PostgreSQL's jsonb takes the value: not a NUL, nor a lone surrogate (JSON.stringify escapes
 * only those). A process ended during an incident over such text keeps no final view; it is read by its query.
 */
const storableJson = (value: unknown): boolean => !/\\u0000|\\ud[89a-f][0-9a-f]{2}/i.test(JSON.stringify(value));

/** The registry row's columns for an entry (all but the id). */
export function registryRow(entry: ProcessRegistryEntry) {
  return {
    kind: entry.kind,
    council: entry.council,
    businessKey: entry.businessKey,
    groupKey: entry.groupKey,
    title: entry.title,
    stage: entry.stage,
    status: entry.status,
    startedBy: entry.startedBy,
    startedAt: new Date(entry.startedAt),
    updatedAt: new Date(entry.updatedAt),
    // Entries from before incidents existed leave the column as it is.
    ...(entry.incident === undefined
      ? {}
      : { incident: entry.incident === null ? Prisma.DbNull : (entry.incident as unknown as Prisma.InputJsonValue) }),
    ...(entry.finalView && storableJson(entry.finalView) ? { finalView: entry.finalView as unknown as Prisma.InputJsonValue } : {}),
  };
}

export function createRegistryActivities(prisma: PrismaClient) {
  return {
    /**
     * Writes the process registry row. An upsert keyed by process id, so a retry writes nothing twice.
     * Used by processes started before the engine core; newer ones record it through processEvent.
     */
    async recordProcess(entry: ProcessRegistryEntry): Promise<void> {
      const row = registryRow(entry);
      await prisma.processRecord.upsert({ where: { id: entry.processId }, create: { id: entry.processId, ...row }, update: row });
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
