import express, { type Express } from 'express';
import type { Client } from '@temporalio/client';
import type { PrismaClient } from '../lib/db';
import type { Logger } from '../lib/logger';
import { createHealthRouter } from './health';
import { HttpProblem, problemHandler } from './problem';
import { createProcessRouter } from './processes';
import { requestContext } from './request-context';

export interface AppDependencies {
  client: Client;
  prisma: PrismaClient;
  logger: Logger;
  taskQueue: string;
}

export function createApp({ client, prisma, logger, taskQueue }: AppDependencies): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(requestContext(logger));
  app.use(express.json({ limit: '256kb' }));
  app.use(createHealthRouter({ client, prisma }));
  app.use(createProcessRouter({ client, taskQueue }));
  app.use((req, _res, next) => next(new HttpProblem(404, 'not-found', 'No such resource', `${req.method} ${req.path}`)));
  app.use(problemHandler);
  return app;
}
