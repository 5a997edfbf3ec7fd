import type { PrismaClient } from '../prisma/generated/client';
import { PROCESSES, type ProcessRegistry } from '../lib/process-registry';
import { createEngineActivities } from './engine';
import { failFastOnDataErrors } from './errors';
import { notificationRow } from './notifications';
import { createRegistryActivities } from './registry';

export interface ActivityDependencies {
  prisma: PrismaClient;
  /** The processes whose own activities and email templates are registered (tests add their fixtures). */
  registry?: ProcessRegistry;
}

/** All activities, built from their dependencies so tests can pass real local instances: the engine's and each process's own. */
export function createActivities({ prisma, registry = PROCESSES }: ActivityDependencies) {
  const processEmails = (kind: string, event: string) => registry.get(kind)?.emails?.[event];
  const own = registry.definitions.map((definition) => definition.activities?.({ prisma, emailRow: (input) => notificationRow(prisma, input, processEmails) }) ?? {});
  return failFastOnDataErrors({
    ...createRegistryActivities(prisma),
    ...createEngineActivities(prisma, processEmails),
    ...(Object.assign({}, ...own) as Record<string, never>),
  });
}
