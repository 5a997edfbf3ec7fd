import { Metadata, status } from '@grpc/grpc-js';
import { ServiceError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { HttpProblem } from '../api/problem';
import { problemFromTemporal } from '../api/temporal-errors';

// What a caller is told when Temporal answers a query or an update with an error: a restart of the
// worker or of Temporal is "try again" (503 with Retry-After), never a 500.

/** A gRPC error as the client throws it, wrapped as the query and update calls wrap it. */
function wrapped(code: status, details: string): ServiceError {
  const grpc = Object.assign(new Error(`${code} ${details}`), { code, details, metadata: new Metadata() });
  return new ServiceError('Failed to query Workflow', { cause: grpc });
}

describe("Temporal's errors as a caller sees them", () => {
  it.each([
    ['a query no worker answered in time', status.DEADLINE_EXCEEDED, 'context deadline exceeded'],
    ['an update while the workflow task fails during a worker restart', status.FAILED_PRECONDITION, 'Workflow Task in failed state.'],
    ['Temporal itself out of reach', status.UNAVAILABLE, 'No connection established'],
  ])('answers %s with 503 and Retry-After', (_what, code, details) => {
    const problem = problemFromTemporal(wrapped(code, details), 'lma:westminster:x:y');

    expect(problem).toBeInstanceOf(HttpProblem);
    expect(problem).toMatchObject({ status: 503, retryAfterSeconds: 5 });
  });

  it('answers a command to a process that has completed with 409', () => {
    expect(
      problemFromTemporal(wrapped(status.FAILED_PRECONDITION, 'workflow execution already completed'), 'lma:westminster:x:y'),
    ).toMatchObject({ status: 409, slug: 'process-closed' });
  });

  it('answers an update Temporal refused as not processed by the worker (never accepted, so safe to send again) with 503 and Retry-After', () => {
    const unprocessed = new WorkflowUpdateFailedError(
      'Workflow Update failed',
      ApplicationFailure.create({
        type: 'UnprocessedUpdate',
        message: "Workflow Update is rejected because it wasn't processed by worker.",
        nonRetryable: true,
      }),
    );

    expect(problemFromTemporal(unprocessed, 'sla:westminster:x')).toMatchObject({
      status: 503,
      slug: 'process-busy',
      retryAfterSeconds: 5,
    });
  });
});
