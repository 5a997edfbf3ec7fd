import { patched } from '@temporalio/workflow';
import { sleepUntil, workflowNow } from '../../common/clock';
import { dateInWords, startOfDate } from '../../common/format';
import { monthsLater } from '../../common/policy';
import { OPTIONS_REVIEW_STAGES, type OptionsReviewDetails, RESIDENT_CONTACT_NOTE, type ServiceMeasures } from '../messages';
import { measuresInWords } from '../rules';
import { measures, onDate, type Review } from './context';

/** §3.8: the listening programme, with measures from before and after, from the day the service is in-house. */
export async function listenToResidents(r: Review, transferDate: string, listensFromTransfer: boolean): Promise<void> {
  const { input, frame, details, tasks, p, step, parties, policy, activities, moveTo, finish } = r;
  if (listensFromTransfer) await sleepUntil(startOfDate(transferDate));
  const opensAt = workflowNow();
  const listening = {
    opensAt,
    closesAt: monthsLater(policy.calendar, opensAt, p.listeningMonths),
    contacts: [] as NonNullable<OptionsReviewDetails['listening']>['contacts'],
  };
  details.listening = listening;
  await moveTo(OPTIONS_REVIEW_STAGES.listening, `The listening programme runs until ${dateInWords(listening.closesAt)}`);
  await tasks.decide(
    {
      taskId: 'baseline-measures',
      kind: 'record_baseline_measures',
      title: 'Record the service measures from before the transfer',
      role: 'housing_manager',
      outcomes: ['record'],
      requiredFormFields: ['complaintsPerMonth', 'repairSatisfactionPercent'],
      dueInWorkingDays: step,
    },
    async (d) => {
      (details.listening as typeof listening & { before?: ServiceMeasures }).before = measures(d.form);
    },
  );
  await sleepUntil(listening.closesAt);
  const closing = await tasks.decide(
    {
      taskId: 'closing-measures',
      kind: 'record_closing_measures',
      title: 'Record the service measures at the end of the listening programme',
      role: 'housing_manager',
      outcomes: ['record'],
      requiredFormFields: ['complaintsPerMonth', 'repairSatisfactionPercent'],
      dueInWorkingDays: step,
    },
    async (d) => {
      (details.listening as typeof listening & { after?: ServiceMeasures }).after = measures(d.form);
    },
  );
  const heard = details.listening;
  const before = heard?.before as ServiceMeasures;
  const after = heard?.after as ServiceMeasures;
  // Contacts are notes on the timeline, counted here (runs from before held each one in the workflow).
  const tally = patched('resident-contacts-as-notes')
    ? await activities.timelineTally({ processId: frame.processId, kind: RESIDENT_CONTACT_NOTE, groupBy: 'channel', sumOf: 'people' })
    : undefined;
  if (tally && heard) heard.heard = tally;
  const contactsHeard = tally
    ? `${tally.total} residents heard in ${tally.entries} contacts.`
    : `${heard?.contacts.length ?? 0} residents' contacts heard.`;
  const told = tally
    ? tally.groups
        .map((g) => `${g.key}: ${g.total} residents in ${g.entries} contacts`)
        .concat(tally.entries ? ['Each contact, with what was said, is on the process timeline.'] : [])
    : (heard?.contacts ?? []).map((c) => `${c.channel}: ${c.summary}`);
  const report = await frame.document(
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
  if (details.listening) details.listening.reportId = report.documentId;
  await finish(
    OPTIONS_REVIEW_STAGES.inHouse,
    'completed',
    `In-house from ${onDate(transferDate)}; the listening programme heard ${tally ? tally.total : (heard?.contacts.length ?? 0)} residents`,
    closing.actor,
  );
}
