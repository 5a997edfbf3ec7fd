import { workflowNow } from '../common/clock';
import { processFrame } from '../common/frame';
import { person } from '../common/roles';
import { TASK_REFUSALS } from '../common/tasks';
import {
  OPTIONS_REVIEW_FORMS,
  OPTIONS_REVIEW_KIND,
  OPTIONS_REVIEW_STAGES,
  optionsReviewBusinessKey,
  projectGroupKey,
  projectGroupName,
  recordResidentContactUpdate,
  type OptionsReviewDetails,
  type OptionsReviewStartInput,
  type OptionsReviewForms,
} from './messages';
import { consultTenants } from './steps/consultation';
import { reviewOf } from './steps/context';
import { decideTheFuture } from './steps/decision';
import { handOver } from './steps/handover';
import { listenToResidents } from './steps/listening';
import { prepareTheConsultation } from './steps/review';

/**
 * PROCESSES.md §3, an options review of an ALMO (sources 002, 003): the Department notified, the terms
 * of reference published, tenants and the ALMO involved from the outset, the options appraised and
 * shortlisted, a consultation overseen from outside, the council's decision; if in-house, the
 * handover (ending the Management Agreement) and a listening programme with before/after measures.
 * Rules R1-R4 of the 2011 guidance are the consultation's guard.
 */
export async function optionsReview(input: OptionsReviewStartInput): Promise<void> {
  const { policy } = input;
  const council = input.councilName ?? input.council;
  const frame = processFrame<OptionsReviewDetails, OptionsReviewForms>({
    kind: OPTIONS_REVIEW_KIND,
    forms: OPTIONS_REVIEW_FORMS,
    council: input.council,
    groupKey: projectGroupKey(input.almo),
    title: `Options review: ${input.almo} (${council})`,
    businessKey: optionsReviewBusinessKey(input),
    startedBy: input.startedBy,
    stage: OPTIONS_REVIEW_STAGES.review,
    policy,
    // The ALMO board hears of every decision on its company's future, the end of its Management Agreement included.
    parties: ['almo_board'],
    details: { almo: input.almo, projectGroup: { name: projectGroupName(input.almo), key: projectGroupKey(input.almo) } },
  });
  const review = reviewOf(input, frame);
  const { details } = frame;

  // §3.8: resident contacts as runs from before they were notes took them, each an update.
  frame.command(recordResidentContactUpdate, {
    roles: ['housing_manager'],
    whoMay: 'a housing manager records resident contacts',
    notNow: (stage) =>
      stage !== OPTIONS_REVIEW_STAGES.listening || !details.listening
        ? { type: TASK_REFUSALS.ruleViolation, message: 'resident contacts are recorded during the listening programme' }
        : undefined,
    checkInput: (contact) =>
      typeof contact.channel !== 'string' || !contact.channel.trim() || typeof contact.summary !== 'string' || !contact.summary.trim()
        ? 'a contact has its channel and a summary'
        : undefined,
    handle: async (contact) => {
      const listening = details.listening as NonNullable<OptionsReviewDetails['listening']>;
      listening.contacts.push({ channel: contact.channel, summary: contact.summary, at: workflowNow(), by: person(contact.actor) });
      await frame.engine?.event('resident_contact', `Listening programme: a resident's contact by ${contact.channel}: ${contact.summary}`, {
        actor: contact.actor,
        command: { action: 'process.record_resident_contact', details: { channel: contact.channel, summary: contact.summary } },
      });
      return { stage: frame.stage(), contacts: listening.contacts.length };
    },
  });

  await frame.run(async () => {
    await frame.record('process_started', `Options review of ${input.almo}`, input.startedBy);
    await prepareTheConsultation(review);
    const consultation = await consultTenants(review);
    const decision = await decideTheFuture(review, consultation);
    if (!decision) return;
    const { transferDate, listensFromTransfer } = await handOver(review, decision);
    await listenToResidents(review, transferDate, listensFromTransfer);
  });
}
