import fc from 'fast-check';
import { processIdParams, taskIdParams } from '../api/schemas';
import { councilSlug } from '../lib/field-schemas';
import { PROCESSES } from '../lib/process-registry';
import { inboxTaskId } from '../workflows/common/engine-types';
import { CENTRAL_SERVICES, serviceKeyOf } from '../workflows/sla/messages';

// Every id the service hands out (a process's business key, an inbox task id) is one its API takes back.

const council = fc.stringMatching(/^[a-z0-9]{1,20}(-[a-z0-9]{1,20}){0,2}$/).filter((slug) => councilSlug.safeParse(slug).success);
/** A name as the start bodies take it: one line, up to 200 characters, with a letter or digit. */
const name = fc
  .string({ minLength: 1, maxLength: 200, unit: 'grapheme' })
  .map((text) => `${text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '')}a`.slice(0, 200));

describe('the ids the service hands out', () => {
  it("are accepted back as process ids, for every kind's business key", () => {
    for (const definition of PROCESSES.startable()) {
      fc.assert(
        fc.property(council, name, name, (slug, first, second) => {
          const processId = definition.start.businessKey({
            kind: definition.kind,
            council: slug,
            estate: first,
            almo: first,
            neighbourhood: first,
            group: { name: second },
          });
          expect({ kind: definition.kind, processId, accepted: processIdParams.safeParse({ id: processId }).success }).toEqual({
            kind: definition.kind,
            processId,
            accepted: true,
          });
        }),
      );
    }
  });

  it("are accepted back as task ids, an SLA service's own and its negotiation's, as a child of an ALMO too", () => {
    fc.assert(
      fc.property(
        council,
        name,
        fc.constantFrom(...CENTRAL_SERVICES),
        name,
        fc.integer({ min: 1, max: 99 }),
        fc.integer({ min: 1, max: 10 }),
        (slug, almo, service, serviceName, cycle, round) => {
          const key = serviceKeyOf(service, serviceName);
          const processIds = [
            PROCESSES.get('sla')?.start?.businessKey({ council: slug, almo }),
            PROCESSES.get('almo')?.start?.businessKey({ council: slug, almo }),
          ] as string[];
          const taskKeys = [
            `c${cycle}-benchmark-${key}`,
            `c${cycle}-${key}-r${round}-almo`,
            `sla-c${cycle}-${key}-r${round}-council`,
            `sla-c${cycle}-${key}-deadlock`,
          ];
          for (const processId of processIds) {
            for (const taskKey of taskKeys) {
              const id = inboxTaskId(processId, taskKey);
              expect({ id, accepted: taskIdParams.safeParse({ id }).success }).toEqual({ id, accepted: true });
            }
          }
        },
      ),
    );
  });
});
