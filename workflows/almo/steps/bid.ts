import { ALMO_STAGES } from '../messages';
import { bidProblem } from '../rules';
import type { Establishment } from './context';

/** §2.3: the Decent Homes bid and its provisional allocation, with the conditions on the funding. */
export async function bid(ctx: Establishment): Promise<void> {
  const { details, tasks, moveTo, p, step } = ctx;
  await tasks.decide(
    {
      taskId: 'decent-homes-bid',
      kind: 'record_decent_homes_bid',
      title: 'Record the Decent Homes bid and its provisional allocation',
      role: 'finance',
      outcomes: ['record'],
      data: { buildingCostsModelFromRound: p.buildingCostsModelFromRound },
      dueInWorkingDays: step,
    },
    async (d) => {
      details.decentHomes = {
        round: Number(d.form.round),
        dwellings: Number(d.form.dwellings),
        borrowingApprovalPence: Number(d.form.borrowingApprovalPence),
        hraAllowancePence: Number(d.form.hraAllowancePence),
        ...(typeof d.form.buildingCostsModel === 'string' ? { buildingCostsModel: d.form.buildingCostsModel } : {}),
        conditions: { section27Consent: 'outstanding', twoStarInspection: 'outstanding' },
      };
      await moveTo(
        ALMO_STAGES.setUp,
        `Decent Homes bid, round ${String(d.form.round)}: provisional allocation recorded; set-up begins`,
        d.actor,
      );
    },
    (attempt) => bidProblem(attempt.form, p),
  );
}
