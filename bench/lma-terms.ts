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

/**
 * A policy that runs a term in three seconds (a day of 50 ms, a term of 60 days, its review 15 days
 * before its end), with a monitoring report every 10 days: six decisions a term to measure.
 */
export const termsPolicy = {
  calendar: { kind: 'compressed', workingDayMs: 50 },
  reminderWorkingDaysBefore: 1,
  lma: { consultationDays: 2, termDays: 60, annualReviewDaysBeforeEnd: 15, paymentsPerTerm: 2, reportingPeriodsPerTerm: 6 },
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

/** The API as the drive's people: its calls, and each decision taken with its time to answer. */
class LmaDrive {
  readonly decisions: TermDecision[] = [];
  term = 0;
  processId = '';

  constructor(private readonly people: LmaPeople) {}

  async call<T>(method: string, route: string, token: string, body?: unknown): Promise<{ status: number; body: T }> {
    const response = await fetch(`${this.people.baseUrl}${route}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as T };
  }

  async start(): Promise<void> {
    const started = await this.call<{ processId: string }>('POST', '/processes', this.people.tokens.rep, {
      kind: 'lma',
      council: this.people.council,
      estate: 'Long History Estate',
      group: { name: this.people.group, legalForm: 'residents_association' },
      services,
    });
    if (started.status !== 201) throw new Error(`the long-history LMA did not start: ${started.status} ${JSON.stringify(started.body)}`);
    this.processId = started.body.processId;
  }

  /** The next open task of `kind` (of those `which` picks), once it is in the inbox (timers open a term's tasks). */
  async next(kind: string, token: string, which: (taskId: string) => boolean): Promise<OpenTask> {
    const process = encodeURIComponent(this.processId);
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(50)) {
      const inbox = await this.call<{ items: OpenTask[] }>('GET', `/tasks?process=${process}&status=open`, token);
      const task = inbox.body.items.find((item) => item.kind === kind && which(item.taskId));
      if (task) return task;
    }
    const view = await this.call('GET', `/processes/${process}`, this.people.tokens.manager);
    throw new Error(`no ${kind} opened for ${this.processId} within a minute: ${JSON.stringify(view.body).slice(0, 2000)}`);
  }

  async decide(
    kind: string,
    token: string,
    answer: { outcome: string; form?: object; reasons?: string },
    which: (taskId: string) => boolean = () => true,
  ) {
    const task = await this.next(kind, token, which);
    const asked = performance.now();
    const decided = await this.call('POST', `/tasks/${encodeURIComponent(task.id)}/complete`, token, { form: {}, ...answer });
    if (decided.status !== 200) throw new Error(`${kind} ${answer.outcome}: ${decided.status} ${JSON.stringify(decided.body)}`);
    this.decisions.push({ term: this.term, ms: performance.now() - asked });
    return task;
  }

  async ended(): Promise<boolean> {
    const view = await this.call<{ status: string }>('GET', `/processes/${encodeURIComponent(this.processId)}`, this.people.tokens.manager);
    return view.body.status !== 'active';
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** From the expression of interest to the agreement signed by both sides (the first term starts then). */
async function establish(drive: LmaDrive, { rep, officer, legal, manager }: LmaPeople['tokens']): Promise<void> {
  await drive.start();
  await drive.decide('appoint_adviser', officer, {
    outcome: 'appoint',
    form: { adviserUserId: 'bench-officer', adviserName: 'Bench Officer' },
  });
  await drive.decide('submit_outline_plan', rep, { outcome: 'submit', form: { summary: 'We look after the green' } });
  await drive.decide('reply_to_outline_plan', officer, { outcome: 'accept', form: { indicativePayments: { gardening: 120_000 } } });
  await drive.decide('report_test_of_support', rep, {
    outcome: 'submit',
    form: { meetingsHeld: 2, householdsContacted: 120, skillsAssessment: 'Two gardeners' },
  });
  await drive.decide('submit_detailed_plan', rep, {
    outcome: 'submit',
    form: { services: detailedPlan, training: 'Two residents on a first-aid course; the adviser shows the treasurer the payment forms' },
  });
  await drive.decide('approve_detailed_plan', officer, { outcome: 'approve' });
  await drive.decide('draft_agreement', legal, {
    outcome: 'approve',
    form: {
      groupResponsibilities: 'Deliver the services to the specification, report each period, keep receipts',
      councilResponsibilities: 'Pay on the agreed dates, advise through the appointed adviser',
    },
  });
  await drive.decide('confirm_insurance_and_safety', officer, {
    outcome: 'confirm',
    form: { insuredBy: 'group', cover: ['public_liability', 'theft', 'damage', 'injury'], healthAndSafety: 'Gloves and kneeling mats' },
  });
  await drive.decide('record_consultation_result', officer, { outcome: 'record', form: { for: 64, against: 12 } });
  // Both signatures are asked for at once: the group's, then the council's.
  await drive.decide('sign_agreement', rep, { outcome: 'sign' }, (taskId) => !taskId.startsWith('sign-council-'));
  await drive.decide('sign_agreement', manager, { outcome: 'sign' }, (taskId) => taskId.startsWith('sign-council-'));
}

/** A term's work: a monitoring report for each period but the last (the annual review covers it), then the review. */
async function runTerm(drive: LmaDrive, { rep, officer }: LmaPeople['tokens'], last: boolean): Promise<void> {
  const { term } = drive;
  for (let period = 1; period < termsPolicy.lma.reportingPeriodsPerTerm; period += 1) {
    const report = await drive.decide('submit_monitoring_report', rep, {
      outcome: 'submit',
      form: { summary: `Term ${term}, period ${period}: all done` },
    });
    if (report.taskId !== `report-t${term}-${period}`) throw new Error(`expected report ${term}-${period}, found ${report.taskId}`);
  }
  await drive.decide('annual_review', officer, {
    outcome: last ? 'terminate' : 'renew',
    form: { performance: 'Met the specification', satisfaction: '87% satisfied' },
    ...(last ? { reasons: 'The bench is over' } : {}),
  });
}

export async function driveLmaThroughTerms(
  people: LmaPeople,
  terms: number,
  /** Told as each term's work starts and once the last has ended, so the caller can read its CPU then. */
  atTerm: (term: number) => void,
): Promise<{ processId: string; decisions: TermDecision[] }> {
  const drive = new LmaDrive(people);
  await establish(drive, people.tokens);
  for (drive.term = 1; drive.term <= terms; drive.term += 1) {
    // The term starts as the agreement is signed (the first) or as the one before continues as new.
    atTerm(drive.term);
    await runTerm(drive, people.tokens, drive.term === terms);
  }
  while (!(await drive.ended())) await sleep(100);
  atTerm(terms + 1);
  return { processId: drive.processId, decisions: drive.decisions };
}
