import { patched } from '@temporalio/workflow';
import { sleepUntil, workflowNow } from '../../common/clock';
import { dateInWords, startOfDate } from '../../common/format';
import { monthsLater } from '../../common/policy';
import { OPTIONS_REVIEW_STAGES, type OptionsReviewDetails, RESIDENT_CONTACT_NOTE, type ServiceMeasures } from '../messages';
import { measuresInWords } from '../rules';
import { measures, onDate, type Review } from './context';

type Listening = NonNullable<OptionsReviewDetails['listening']>;

/** §3.8: the listening programme, with measures from before and after, from the day the service is in-house. */
export async function listenToResidents(r: Review, transferDate: string, listensFromTransfer: boolean): Promise<void> {
  const { details, p, policy, moveTo, finish } = r;
  if (listensFromTransfer) await sleepUntil(startOfDate(transferDate));
  const opensAt = workflowNow();
  const listening: Listening = { opensAt, closesAt: monthsLater(policy.calendar, opensAt, p.listeningMonths), contacts: [] };
  details.listening = listening;
  await moveTo(OPTIONS_REVIEW_STAGES.listening, `The listening programme runs until ${dateInWords(listening.closesAt)}`);
  await serviceMeasures(r, 'baseline', (measured) => (listening.before = measured));
  await sleepUntil(listening.closesAt);
  const closing = await serviceMeasures(r, 'closing', (measured) => (listening.after = measured));
  const heard = await residentsHeard(r, listening);
  const report = await listeningReport(r, listening, transferDate, heard);
  listening.reportId = report.documentId;
  await finish(
    OPTIONS_REVIEW_STAGES.inHouse,
    'completed',
    `In-house from ${onDate(transferDate)}; the listening programme heard ${heard.tally ? heard.tally.total : listening.contacts.length} residents`,
    closing.actor,
  );
}

const MEASURES = {
  baseline: { kind: 'record_baseline_measures', title: 'Record the service measures from before the transfer' },
  closing: { kind: 'record_closing_measures', title: 'Record the service measures at the end of the listening programme' },
} as const;

/** The service measures the housing manager records, before the transfer or at the programme's end. */
function serviceMeasures(r: Review, which: keyof typeof MEASURES, record: (measured: ServiceMeasures) => void) {
  const { tasks, step } = r;
  return tasks.decide(
    {
      taskId: `${which}-measures`,
      kind: MEASURES[which].kind,
      title: MEASURES[which].title,
      role: 'housing_manager',
      outcomes: ['record'],
      dueInWorkingDays: step,
    },
    async (d) => {
      record(measures(d.form));
    },
  );
}

/** Who was heard: contacts are notes on the timeline, counted here (runs from before held each one in the workflow). */
async function residentsHeard(r: Review, listening: Listening) {
  const { frame, activities } = r;
  const heard = listening;
  const tally = patched('resident-contacts-as-notes')
    ? await activities.timelineTally({ processId: frame.processId, kind: RESIDENT_CONTACT_NOTE, groupBy: 'channel', sumOf: 'people' })
    : undefined;
  if (tally) heard.heard = tally;
  const contactsHeard = tally
    ? `${tally.total} residents heard in ${tally.entries} contacts.`
    : `${heard.contacts.length ?? 0} residents' contacts heard.`;
  const told = tally
    ? tally.groups
        .map((g) => `${g.key}: ${g.total} residents in ${g.entries} contacts`)
        .concat(tally.entries ? ['Each contact, with what was said, is on the process timeline.'] : [])
    : (heard.contacts ?? []).map((c) => `${c.channel}: ${c.summary}`);
  return { tally, contactsHeard, told };
}

/** The listening programme's report: what residents said, and the measures before and after. */
function listeningReport(
  r: Review,
  listening: Listening,
  transferDate: string,
  { contactsHeard, told }: Awaited<ReturnType<typeof residentsHeard>>,
) {
  const { input, frame, parties } = r;
  const before = listening.before as ServiceMeasures;
  const after = listening.after as ServiceMeasures;
  return frame.document(
    'listening-report',
    'listening_programme',
    'listening_programme_report',
    `Listening programme: ${input.almo}'s homes back in-house`,
    [
      parties,
      {
        heading: 'The programme',
        lines: [
          `From ${dateInWords(listening.opensAt)} to ${dateInWords(listening.closesAt)}; the service in-house from ${onDate(transferDate)}.`,
          contactsHeard,
        ],
      },
      { heading: 'What residents told us', lines: told.length ? told : ['none recorded'] },
      { heading: 'Before and after', lines: measuresInWords(before, after) },
    ],
  );
}
