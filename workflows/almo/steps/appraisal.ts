import { dateInWords } from '../../common/format';
import { type Decision } from '../../common/tasks';
import {
  ALMO_STAGES,
  type AlmoDetails,
  type AlmoForms,
  STOCK_OPTION_NAMES,
  STOCK_OPTIONS,
  type StockOption,
  TEST_OF_OPINION_METHOD_TASK,
  TEST_OF_OPINION_METHODS,
  type TestOfOpinionMethod,
} from '../messages';
import { resultProblem, testOfOpinionSupports } from '../rules';
import type { Establishment } from './context';

/** §2.1: the cabinet's decision on the stock options; only an ALMO goes on. */
export async function appraisal(ctx: Establishment): Promise<boolean> {
  const { input, frame, details, tasks, moveTo, finish, step, council, parties } = ctx;
  await frame.record(
    'process_started',
    `Establishing ${input.almo}: ${input.stock.dwellings} dwellings, ${input.stock.leaseholders} leaseholders`,
    input.startedBy,
  );
  const decision = await tasks.decide(
    {
      taskId: 'options-appraisal',
      kind: 'decide_stock_option',
      title: 'Record the cabinet decision on the stock options appraisal',
      role: 'cabinet',
      outcomes: [...STOCK_OPTIONS],
      reasonsRequiredFor: [...STOCK_OPTIONS],
      data: { options: STOCK_OPTION_NAMES, stock: input.stock },
      dueInWorkingDays: step,
    },
    async (d) => {
      details.appraisal = {
        option: d.outcome as StockOption,
        reasons: d.reasons ?? '',
        minuteReference: d.form.minuteReference,
        decidedBy: d.actor,
        decidedAt: d.decidedAt,
      };
    },
  );
  const option = decision.outcome as StockOption;
  await frame.document(
    'options-appraisal-decision',
    'options_appraisal',
    'options_appraisal_decision',
    `Stock options appraisal: the cabinet decision (${council})`,
    [
      parties,
      { heading: 'Options appraised', lines: STOCK_OPTIONS.map((o) => STOCK_OPTION_NAMES[o]) },
      {
        heading: 'Decision',
        lines: [
          `The cabinet chose ${STOCK_OPTION_NAMES[option]}.`,
          `Minute: ${details.appraisal?.minuteReference}`,
          `Recorded by ${decision.actorName ?? decision.actor.userId} on ${dateInWords(decision.decidedAt)}`,
        ],
      },
      { heading: 'Reasons', lines: [decision.reasons ?? ''] },
    ],
  );
  if (option !== 'almo') {
    await finish(
      ALMO_STAGES.otherOptionChosen,
      'completed',
      `The cabinet chose ${STOCK_OPTION_NAMES[option]}: ${decision.reasons ?? ''}`,
      decision.actor,
    );
    return false;
  }
  await moveTo(ALMO_STAGES.testOfOpinion, 'The cabinet chose an ALMO; tenants are asked', decision.actor);
  return true;
}

/** §2.2: an Independent Tenants Adviser, the method (recorded for ever), the result against the council's rule. */
export async function testOfOpinion(ctx: Establishment): Promise<boolean> {
  const { details, moveTo, finish } = ctx;
  const test: TestOfOpinion = {};
  details.testOfOpinion = test;
  await adviserAndMethod(ctx, test);
  const result = await recordResult(ctx, test);
  const r = test.result;
  if (!r) throw new Error('the test of opinion result was not recorded');
  await resultNotice(ctx, test, r, result);
  if (!r.supported) {
    await finish(
      ALMO_STAGES.notSupported,
      'completed',
      `Tenants did not support the ALMO: ${r.for} for, ${r.against} against (turnout ${r.turnoutPercent}%)`,
      result.actor,
    );
    return false;
  }
  await moveTo(ALMO_STAGES.decentHomesBid, `Tenants support the ALMO: ${r.for} for, ${r.against} against`, result.actor);
  return true;
}

type TestOfOpinion = NonNullable<AlmoDetails['testOfOpinion']>;

/** The Independent Tenants Adviser appointed, and the method chosen, side by side. */
async function adviserAndMethod(ctx: Establishment, test: TestOfOpinion): Promise<void> {
  const { tasks, step } = ctx;
  await Promise.all([
    tasks.decide(
      {
        taskId: 'tenants-adviser',
        kind: 'appoint_tenants_adviser',
        title: 'Appoint an Independent Tenants Adviser',
        role: 'programme_manager',
        outcomes: ['appoint'],
        dueInWorkingDays: step,
      },
      async (d) => {
        test.adviser = { name: d.form.adviser, organisation: d.form.organisation };
      },
    ),
    tasks.decide(
      {
        taskId: TEST_OF_OPINION_METHOD_TASK,
        kind: 'choose_test_of_opinion_method',
        title: "Choose how tenants' opinion is tested",
        role: 'programme_manager',
        outcomes: [...TEST_OF_OPINION_METHODS],
        data: {
          note: 'The method is recorded for ever: a later options review must be at least as comprehensive (a ballot then needs a ballot).',
        },
        dueInWorkingDays: step,
      },
      async (d) => {
        test.method = d.outcome as TestOfOpinionMethod;
        if (typeof d.form.description === 'string') test.description = d.form.description;
      },
      (attempt) =>
        attempt.outcome === 'other' && !(typeof attempt.form?.description === 'string' && attempt.form.description.trim())
          ? 'ALMO-R1: another method of testing opinion is described (PROCESSES.md §2.2)'
          : undefined,
    ),
  ]);
}

/** The result, certified by the independent scrutineer for a ballot, against the council's rule. */
function recordResult(ctx: Establishment, test: TestOfOpinion) {
  const { tasks, p, step } = ctx;
  const ballot = test.method === 'ballot';
  return tasks.decide(
    {
      taskId: 'test-of-opinion-result',
      kind: 'record_test_of_opinion_result',
      title: ballot
        ? 'Certify the result of the tenants’ ballot'
        : `Record the result of the tenants’ ${test.method === 'survey' ? 'survey' : 'test of opinion'}`,
      // §2.2: a ballot is overseen, and its result certified, by an independent scrutineer.
      role: ballot ? 'scrutineer' : 'programme_manager',
      outcomes: ['record'],
      data: { method: test.method, rule: p.supportRule, minimumTurnoutPercent: p.minimumTurnoutPercent },
      dueInWorkingDays: step,
    },
    async (d) => {
      const figures = {
        eligible: Number(d.form.eligible),
        votesCast: Number(d.form.votesCast),
        for: Number(d.form.for),
        against: Number(d.form.against),
      };
      test.result = {
        ...figures,
        ...testOfOpinionSupports(figures, p.supportRule, p.minimumTurnoutPercent),
        rule: p.supportRule,
        recordedBy: d.actor,
        recordedAt: d.decidedAt,
      };
    },
    (attempt) => resultProblem(attempt.form),
  );
}

/** The result as a notice: how tenants were asked, the figures, and what follows. */
async function resultNotice(
  ctx: Establishment,
  test: TestOfOpinion,
  r: NonNullable<TestOfOpinion['result']>,
  result: Decision<AlmoForms['record_test_of_opinion_result']>,
): Promise<void> {
  const { input, frame, p, parties } = ctx;
  const ballot = test.method === 'ballot';
  const outcome = r.supported ? 'Tenants support the ALMO.' : 'Tenants do not support the ALMO: the process ends here.';
  await frame.document(
    'test-of-opinion-result',
    'test_of_opinion',
    'test_of_opinion_result_notice',
    `Result of the tenants' test of opinion: ${input.almo}`,
    [
      parties,
      {
        heading: 'How tenants were asked',
        lines: [
          `Method: ${test.method}${test.description ? ` (${test.description})` : ''}`,
          `Independent Tenants Adviser: ${test.adviser?.name}, ${test.adviser?.organisation}`,
          ...(ballot ? [`Certified by the scrutineer ${result.actorName ?? result.actor.userId}`] : []),
        ],
      },
      {
        heading: 'Result',
        lines: [
          `${r.for} for, ${r.against} against, of ${r.votesCast} votes cast by ${r.eligible} eligible (turnout ${r.turnoutPercent}%)`,
          `Rule: ${r.rule.replace(/_/g, ' ')}${p.minimumTurnoutPercent ? `, turnout at least ${p.minimumTurnoutPercent}%` : ''}`,
          outcome,
        ],
      },
    ],
  );
}
