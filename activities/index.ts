import type { PrismaClient } from '../prisma/generated/client';
import { PROCESSES, type ProcessRegistry } from '../lib/process-registry';
import { createEngineActivities } from './engine';
import { failFastOnDataErrors } from './errors';
import { notificationRow, type NotificationInput } from './notifications';
import { createRegistryActivities } from './registry';
import type { ProcessExportInput, RecordedDecision } from '../workflows/common/engine-types';

export interface ActivityDependencies {
  prisma: PrismaClient;
  /** The processes whose own activities and email templates are registered (tests add their fixtures). */
  registry?: ProcessRegistry;
}

/** All activities, built from their dependencies so tests can pass real local instances: the engine's and each process's own. */
export function createActivities({ prisma, registry = PROCESSES }: ActivityDependencies) {
  const processEmails = (kind: string, event: string) => registry.get(kind)?.emails?.[event];
  // One way to write an email, for the engine's activities and each process's own.
  const emailRow = (input: NotificationInput) => notificationRow(input, processEmails);
  const own = registry.definitions.map((definition) => definition.activities?.({ prisma, emailRow }) ?? {});
  const registryActivities = createRegistryActivities(prisma);
  return failFastOnDataErrors({
    ...registryActivities,
    /** What another process offers to read (its definition's `exports`), or null when it has none yet. */
    async processExport({ kind, processId, name }: ProcessExportInput): Promise<RecordedDecision | null> {
      const offered = registry.get(kind)?.exports?.[name];
      if (!offered) throw new Error(`a ${kind} process exports no ${name}`);
      return registryActivities.recordedDecision({ processId, taskId: offered.decisionOf });
    },
    ...createEngineActivities(prisma, emailRow),
    ...(Object.assign({}, ...own) as Record<string, never>),
  });
}
