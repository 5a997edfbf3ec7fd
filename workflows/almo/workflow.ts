import { CancellationScope, patched, setHandler } from '@temporalio/workflow';
import { Endable } from '../common/endable';
import { processFrame } from '../common/frame';
import { slasSignedOffSignal } from '../sla/messages';
import {
  ALMO_FORMS,
  ALMO_KIND,
  ALMO_STAGES,
  managementAgreementEndedSignal,
  WORKSTREAMS,
  almoBusinessKey,
  type AlmoDetails,
  type AlmoStartInput,
  type AlmoForms,
  type ManagementAgreementEnded,
} from './messages';
import { appraisal, testOfOpinion } from './steps/appraisal';
import { bid } from './steps/bid';
import { establishmentOf, onDate } from './steps/context';
import { inspections } from './steps/inspection';
import { agreementReview, launched } from './steps/launch';
import { setUp } from './steps/set-up';
import { recordSignedOffSlas } from './steps/workstreams';

/**
 * PROCESSES.md §2, setting up an ALMO (source 004): the stock options appraisal, the tenants' test of
 * opinion, the Decent Homes bid, five set-up workstreams in parallel (the SLAs a child SLA process)
 * beside the Section 27 consent, the launch, inspection preparation, the Housing Inspectorate's
 * inspection and the release of the Decent Homes funding, then the Management Agreement's review.
 */
export async function almoEstablishment(input: AlmoStartInput): Promise<void> {
  const { policy } = input;
  const council = input.councilName ?? input.council;
  const frame = processFrame<AlmoDetails, AlmoForms>({
    kind: ALMO_KIND,
    forms: ALMO_FORMS,
    council: input.council,
    groupKey: '',
    title: `ALMO establishment: ${input.almo} (${council})`,
    businessKey: almoBusinessKey(input),
    startedBy: input.startedBy,
    stage: ALMO_STAGES.optionsAppraisal,
    policy,
    // The ALMO's (shadow) board is party to its establishment, and to the SLAs negotiated in it.
    parties: ['almo_board'],
    details: {
      almo: input.almo,
      stock: input.stock,
      workstreams: Object.fromEntries(
        Object.entries(WORKSTREAMS).map(([key, w]) => [key, { name: w.name, owner: w.owner, done: false }]),
      ) as AlmoDetails['workstreams'],
      inspections: [],
      improvementPlans: [],
    },
  });
  const { details, finish } = frame;
  // §3.8: an options review bringing the service in-house ends the agreement, and with it what follows
  // launch. The process's cancellation reaches it too (runs from before kept it apart, and did not end).
  const afterLaunch = new Endable<ManagementAgreementEnded>(
    patched('after-launch-ends-with-process') ? frame.stepScope() : new CancellationScope(),
  );
  let agreementEnded: ManagementAgreementEnded | undefined;
  // The SLA workstream's child tells its signed-off SLAs by this signal, before that sign-off answers.
  setHandler(slasSignedOffSignal, (signed) => recordSignedOffSlas(details, signed));
  setHandler(managementAgreementEndedSignal, (ended) => {
    if (agreementEnded || !details.managementAgreement) return;
    agreementEnded = ended;
    details.managementAgreement.endedBy = ended;
    if (details.launch) afterLaunch.end(ended);
  });

  const ctx = establishmentOf(input, frame);

  await frame.run(async () => {
    if (!(await appraisal(ctx)) || !(await testOfOpinion(ctx))) return;
    await bid(ctx);
    if (!(await setUp(ctx))) return;
    const agreement = await launched(ctx);
    const operated = await afterLaunch.run(async () => {
      const review = agreementReview(ctx, agreement);
      void review.catch(() => undefined);
      await inspections(ctx, (details.launch as NonNullable<AlmoDetails['launch']>).goLiveDate);
      const decided = await review;
      await Promise.all(ctx.beside);
      return decided;
    });
    if (!operated.ended) {
      const reviewed = operated.result;
      await finish(
        ALMO_STAGES.agreementReviewed,
        'completed',
        `Management Agreement reviewed: ${reviewed.outcome.replace(/_/g, ' ')} (${reviewed.reasons ?? ''})`,
        reviewed.actor,
      );
      return;
    }
    const [ended] = operated.because;
    await finish(
      ALMO_STAGES.agreementEnded,
      'completed',
      `Management Agreement ended on ${onDate(ended.endsOn)} by the options review ${ended.reviewProcessId}: ${ended.reasons}`,
      ended.by,
    );
  });
}
