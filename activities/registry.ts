import type { PrismaClient } from '../prisma/generated/client';
import type { ProcessRegistryEntry } from '../workflows/common/process';

export function createRegistryActivities(prisma: PrismaClient) {
  return {
    /** Writes the process registry row. An upsert keyed by process id, so a retry writes nothing twice. */
    async recordProcess(entry: ProcessRegistryEntry): Promise<void> {
      const row = {
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
      };
      await prisma.processRecord.upsert({
        where: { id: entry.processId },
        create: { id: entry.processId, ...row },
        update: row,
      });
    },
  };
}
