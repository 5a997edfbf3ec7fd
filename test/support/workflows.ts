// The workflow bundle the tests run: the service's workflows and the fixture process's.
export * from '../../workflows';
export { permitApplication, permitInspection } from '../fixtures/processes/permit/workflow';
