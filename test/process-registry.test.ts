import { readFileSync } from 'node:fs';
import { ProcessDefinitionError, ProcessRegistry, PROCESS_DEFINITIONS } from '../lib/process-registry';
import { policyModel } from '../lib/policy';
import { permitDefinition } from './fixtures/processes/permit/definition';
import { testEnv } from './support/env';
import * as workerWorkflows from '../workflows';

describe('the process registry', () => {
  it('refuses at start-up a task kind that has no form schema, naming it', () => {
    const { inspect_works: _dropped, ...someForms } = permitDefinition.taskForms;
    void _dropped;

    expect(() => new ProcessRegistry([...PROCESS_DEFINITIONS, { ...permitDefinition, taskForms: someForms }])).toThrow(
      new ProcessDefinitionError("process kind 'permit': task kind 'inspect_works' has no form schema"),
    );
  });

  it('refuses a process that takes a path every process has, or a kind defined twice', () => {
    expect(
      () =>
        new ProcessRegistry([
          {
            ...permitDefinition,
            reads: [{ path: 'timeline', summary: 'x', response: permitDefinition.policy.schema, load: async () => ({}) }],
          },
        ]),
    ).toThrow(/'timeline' is a path every process has/);
    expect(() => new ProcessRegistry([permitDefinition, permitDefinition])).toThrow(/defined twice/);
  });

  it("makes each process's policy section part of a council's policy, with its defaults and its own rules", () => {
    const policies = policyModel(new ProcessRegistry([...PROCESS_DEFINITIONS, permitDefinition]));

    expect(policies.defaults).toMatchObject({ lma: { adviserAppointmentWorkingDays: 10 }, permit: { reviewWorkingDays: 5 } });
    expect(policies.applyOverride({ permit: { reviewWorkingDays: 2 } })).toMatchObject({
      permit: { reviewWorkingDays: 2 },
      lma: { termDays: 365 },
    });
    expect(() => policies.applyOverride({ lma: { termDays: 30, annualReviewDaysBeforeEnd: 60 } })).toThrow(
      /the annual review must open before the term ends/,
    );
  });

  it("finds every definition's workflow among those the worker registers (a definition naming another fails here, not at a start)", () => {
    const registered = Object.keys(workerWorkflows);
    for (const definition of PROCESS_DEFINITIONS) expect(registered).toContain(definition.workflowType);
  });

  it('keeps zod out of the workflow bundle (definitions are the API half of a process)', () => {
    const bundle = readFileSync(testEnv('workflowBundle'), 'utf8');

    expect(bundle).toContain('localManagementAgreement');
    expect(bundle).toContain('permitInspection');
    expect(bundle).not.toMatch(/ZodError|\$ZodType/);
  });

  it('has every rule of every process cite the one place the workflow checks it, and that place exists', () => {
    const cited = PROCESS_DEFINITIONS.map((d) => d.kind)
      .filter((kind) => kind !== 'permit')
      .flatMap((kind) => {
        const source = readFileSync(`workflows/${kind}/rules.ts`, 'utf8');
        const rules = [...source.matchAll(/\brule: [`'p]/g)].length;
        const citations = [...source.matchAll(/checkedBy: (['"])(.*?)\1/g)].map((m) => m[2] as string);
        expect(citations).toHaveLength(rules);
        return citations;
      });
    expect(cited.length).toBeGreaterThanOrEqual(17);
    for (const citation of cited) {
      const [, names, file] = /^([\w ]+?) \((workflows\/[\w/.-]+\.ts)\)/.exec(citation) ?? [];
      expect({ citation, file }).toEqual({ citation, file: expect.any(String) });
      const code = readFileSync(file as string, 'utf8');
      for (const name of (names as string).split(' and ')) {
        expect({ citation, declared: new RegExp(`(function|const) ${name}\\b`).test(code) }).toEqual({ citation, declared: true });
      }
    }
  });
});
