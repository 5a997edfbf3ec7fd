import { Endable } from '../../common/endable';
import { ALMO_STAGES } from '../messages';
import { launchRefusal } from '../rules';
import type { Establishment } from './context';
import { section27, type ProgrammeEnded } from './section-27';
import { centralServiceSlas, hraArrangements, managementAgreement, operationalReadiness, shadowBoard } from './workstreams';

/** §2.4-2.6: the five workstreams and the Section 27 consent in parallel; launch once all are done. */
export async function setUp(ctx: Establishment): Promise<boolean> {
  const { finish } = ctx;
  // The cabinet ending the programme after a refusal ends set-up, and the process.
  const setUpSteps = new Endable<ProgrammeEnded>();
  const setUpDone = await setUpSteps.run(() =>
    Promise.all([
      hraArrangements(ctx),
      centralServiceSlas(ctx),
      managementAgreement(ctx),
      shadowBoard(ctx),
      operationalReadiness(ctx),
      section27(ctx, (decision) => setUpSteps.end(decision)),
      launch(ctx),
    ]),
  );
  if (!setUpDone.ended) return true;
  const [end] = setUpDone.because;
  await finish(
    ALMO_STAGES.section27Refused,
    'completed',
    `Section 27 consent refused; the council ended the programme: ${end.reasons ?? ''}`,
    end.actor,
  );
  return false;
}

/** §2.6 ALMO-R4: launch, once every workstream is done and Section 27 consent given. */
function launch(ctx: Establishment) {
  const { input, details, tasks } = ctx;
  return tasks.decide(
    {
      taskId: 'launch',
      kind: 'launch_almo',
      title: `Launch ${input.almo}`,
      role: 'programme_manager',
      outcomes: ['launch'],
      data: { rule: 'ALMO-R4: launch needs every set-up workstream done and Section 27 consent (PROCESSES.md §2.4-2.6)' },
    },
    async (d) => {
      details.launch = { goLiveDate: d.form.goLiveDate, launchedBy: d.actor, launchedAt: d.decidedAt };
    },
    (attempt) => launchRefusal(details, attempt.form?.goLiveDate),
  );
}
