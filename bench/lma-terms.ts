// The bench's long history: one Local Management Agreement driven through the API from its expression
// of interest through `terms` terms (its monitoring reports and annual review each term, renewed, then
// terminated), on a compressed calendar so that a term takes seconds. Each term after the first
// continues as new, which is what keeps a process's costs flat however old it grows.

/** What the drive needs of the API: a call as one of the people an LMA needs. */
export interface LmaPeople {
  baseUrl: string;
  council: string;
  /** The residents' group: its rep's token, and its name as its key is made from. */
  group: string;
  tokens: { rep: string; officer: string; legal: string; manager: string };
}

/** A policy that runs a term in two seconds: a day of 50 ms, a term of 40 days, its review 15 days before its end. */
export const termsPolicy = {
  calendar: { kind: 'compressed', workingDayMs: 50 },
  reminderWorkingDaysBefore: 1,
  lma: { consultationDays: 2, termDays: 40, annualReviewDaysBeforeEnd: 15, paymentsPerTerm: 2, reportingPeriodsPerTerm: 3 },
};

const services = [{ service: 'gardening', scope: ['the green'] }];
const detailedPlan = [
  { ...services[0], standards: 'Beds weeded weekly from March to October', annualPayment: 120_000, deliveryMode: 'residents' },
];

interface OpenTask {
  id: string;
  kind: string;
  taskId: string;
}

/** One decision: its time to answer, and the term it was taken in (0: before the agreement was signed). */
export interface TermDecision {
  term: number;
  ms: number;
}

export async function driveLmaThroughTerms(
  people: LmaPeople,
  terms: number,
  /** Told as each term's work starts and once the last has ended, so the caller can read its CPU then. */
  atTerm: (term: number) => void,
): Promise<{ processId: string; decisions: TermDecision[] }> {
  const call = async <T>(method: string, route: string, token: string, body?: unknown): Promise<{ status: number; body: T }> => {
    const response = await fetch(`${people.baseUrl}${route}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as T };
  };
  const decisions: TermDecision[] = [];
  let term = 0;
  const started = await call<{ processId: string }>('POST', '/processes', people.tokens.rep, {
    kind: 'lma',
    council: people.council,
    estate: 'Long History Estate',
    group: { name: people.group, legalForm: 'residents_association' },
    services,
  });
  if (started.status !== 201) throw new Error(`the long-history LMA did not start: ${started.status} ${JSON.stringify(started.body)}`);
  const { processId } = started.body;

  /** The next open task of `kind` (of those `which` picks), once it is in the inbox (timers open a term's tasks). */
  const next = async (kind: string, token: string, which: (taskId: string) => boolean): Promise<OpenTask> => {
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 50))) {
      const inbox = await call<{ items: OpenTask[] }>('GET', `/tasks?process=${encodeURIComponent(processId)}&status=open`, token);
      const task = inbox.body.items.find((item) => item.kind === kind && which(item.taskId));
      if (task) return task;
    }
    const view = await call<{ stage: string; incident?: unknown; openTasks?: { kind: string }[] }>(
      'GET',
      `/processes/${encodeURIComponent(processId)}`,
      people.tokens.manager,
    );
    throw new Error(`no ${kind} opened for ${processId} within a minute: ${JSON.stringify(view.body).slice(0, 2000)}`);
  };
  const decide = async (
    kind: string,
    token: string,
    outcome: string,
    form: Record<string, unknown> = {},
    reasons?: string,
    which: (taskId: string) => boolean = () => true,
  ) => {
    const task = await next(kind, token, which);
    const asked = performance.now();
    const answer = await call('POST', `/tasks/${encodeURIComponent(task.id)}/complete`, token, {
      outcome,
      form,
      ...(reasons ? { reasons } : {}),
    });
    if (answer.status !== 200) throw new Error(`${kind} ${outcome}: ${answer.status} ${JSON.stringify(answer.body)}`);
    decisions.push({ term, ms: performance.now() - asked });
    return task;
  };

  const { rep, officer, legal, manager } = people.tokens;
  await decide('appoint_adviser', officer, 'appoint', { adviserUserId: 'bench-officer', adviserName: 'Bench Officer' });
  await decide('submit_outline_plan', rep, 'submit', { summary: 'We look after the green' });
  await decide('reply_to_outline_plan', officer, 'accept', { indicativePayments: { gardening: 120_000 } });
  await decide('report_test_of_support', rep, 'submit', { meetingsHeld: 2, householdsContacted: 120, skillsAssessment: 'Two gardeners' });
  await decide('submit_detailed_plan', rep, 'submit', {
    services: detailedPlan,
    training: 'Two residents on a first-aid course; the adviser shows the treasurer the payment forms',
  });
  await decide('approve_detailed_plan', officer, 'approve');
  await decide('draft_agreement', legal, 'approve', {
    groupResponsibilities: 'Deliver the services to the specification, report each period, keep receipts',
    councilResponsibilities: 'Pay on the agreed dates, advise through the appointed adviser',
  });
  await decide('confirm_insurance_and_safety', officer, 'confirm', {
    insuredBy: 'group',
    cover: ['public_liability', 'theft', 'damage', 'injury'],
    healthAndSafety: 'Gloves and kneeling mats; no ladders above 2 m',
  });
  await decide('record_consultation_result', officer, 'record', { for: 64, against: 12 });
  // Both signatures are asked for at once: the group's, then the council's.
  await decide('sign_agreement', rep, 'sign', {}, undefined, (taskId) => !taskId.startsWith('sign-council-'));
  await decide('sign_agreement', manager, 'sign', {}, undefined, (taskId) => taskId.startsWith('sign-council-'));
  for (term = 1; term <= terms; term += 1) {
    // The term starts as the agreement is signed (the first) or as the one before continues as new.
    atTerm(term);
    // A report for each period but the last, which the annual review covers.
    for (let period = 1; period < termsPolicy.lma.reportingPeriodsPerTerm; period += 1) {
      const report = await decide('submit_monitoring_report', rep, 'submit', { summary: `Term ${term}, period ${period}: all done` });
      if (report.taskId !== `report-t${term}-${period}`) throw new Error(`expected report ${term}-${period}, found ${report.taskId}`);
    }
    const last = term === terms;
    await decide(
      'annual_review',
      officer,
      last ? 'terminate' : 'renew',
      { performance: 'Met the specification', satisfaction: '87% satisfied' },
      last ? 'The bench is over' : undefined,
    );
  }
  // The last term's end, once the process has ended.
  for (let ended = false; !ended; await new Promise((resolve) => setTimeout(resolve, 100))) {
    const view = await call<{ status: string }>('GET', `/processes/${encodeURIComponent(processId)}`, manager);
    ended = view.body.status !== 'active';
  }
  atTerm(terms + 1);
  return { processId, decisions };
}
