import { Router } from 'express';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Actor } from '../workflows/common/roles';
import { processViewQuery } from '../workflows/common/process';
import { businessKeyKey, councilKey, processKindKey, processStageKey } from '../workflows/common/search-attributes';
import { completeTaskUpdate } from '../workflows/common/tasks';
import { LMA_STAGES, lmaBusinessKey } from '../workflows/lma/messages';
import type { localManagementAgreement } from '../workflows/lma/workflow';
import { requireActor } from './identity';
import { completeTaskBody, processIdParams, startProcessBody, taskParams, type CompleteTaskBody, type StartProcessBody } from './schemas';
import { problemFromTemporal } from './temporal-errors';
import { parseParams, validateBody } from './validate';

export interface ProcessRouterDeps {
  client: Client;
  taskQueue: string;
}

export function createProcessRouter({ client, taskQueue }: ProcessRouterDeps): Router {
  const router = Router();

  // Starting the same business key twice returns the existing process (200), never a second one.
  router.post('/processes', requireActor, validateBody(startProcessBody), async (req, res) => {
    const body = req.body as StartProcessBody;
    const actor = res.locals.actor as Actor;
    const processId = lmaBusinessKey(body);
    let created = true;
    try {
      await client.workflow.start<typeof localManagementAgreement>('localManagementAgreement', {
        taskQueue,
        workflowId: processId,
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        args: [{ council: body.council, estate: body.estate, group: body.group, services: body.services, startedBy: actor }],
        typedSearchAttributes: [
          { key: councilKey, value: body.council },
          { key: processKindKey, value: body.kind },
          { key: processStageKey, value: LMA_STAGES.adviserAppointment },
          { key: businessKeyKey, value: processId },
        ],
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw problemFromTemporal(err, processId);
      created = false;
    }
    const location = `/processes/${encodeURIComponent(processId)}`;
    req.log.info({ processId, created, actor }, created ? 'process started' : 'process already exists');
    res
      .status(created ? 201 : 200)
      .location(location)
      .json({ processId, kind: body.kind, created, links: { self: location } });
  });

  router.get('/processes/:id', async (req, res) => {
    const { id } = parseParams(processIdParams, req.params);
    try {
      res.json(await client.workflow.getHandle(id).query(processViewQuery));
    } catch (err) {
      throw problemFromTemporal(err, id);
    }
  });

  // Update ids are keyed by task, so a repeated completion gets the first one's answer and one history entry.
  router.post('/processes/:id/tasks/:taskId/complete', requireActor, validateBody(completeTaskBody), async (req, res) => {
    const { id, taskId } = parseParams(taskParams, req.params);
    const body = req.body as CompleteTaskBody;
    const actor = res.locals.actor as Actor;
    try {
      const result = await client.workflow.getHandle(id).executeUpdate(completeTaskUpdate, {
        updateId: `complete-task:${taskId}`,
        args: [{ taskId, actor, ...body }],
      });
      req.log.info({ processId: id, taskId, outcome: result.outcome, actor }, 'task completed');
      res.json(result);
    } catch (err) {
      throw problemFromTemporal(err, id);
    }
  });

  return router;
}
