import type { PrismaClient } from '../prisma/generated/client';
import { createEngineActivities } from './engine';
import { failFastOnDataErrors } from './errors';
import { createPaymentActivities } from './payments';
import { createRegistryActivities } from './registry';

export interface ActivityDependencies {
  prisma: PrismaClient;
}

/** All activities, built from their dependencies so tests can pass real local instances. */
export function createActivities({ prisma }: ActivityDependencies) {
  return failFastOnDataErrors({
    ...createRegistryActivities(prisma),
    ...createEngineActivities(prisma),
    ...createPaymentActivities(prisma),
  });
}
