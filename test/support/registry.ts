import { PROCESS_DEFINITIONS, ProcessRegistry } from '../../lib/process-registry';
import { permitDefinition } from '../fixtures/processes/permit/definition';

// The processes the tests run: the service's own and the fixture process that tests the engine alone.
export const TEST_PROCESSES = new ProcessRegistry([...PROCESS_DEFINITIONS, permitDefinition]);
