import { CancellationScope, isCancellation } from '@temporalio/workflow';

/** How steps run under `Endable` came out: finished with their result, or ended early and why. */
export type EndableOutcome<Result, Why> = { ended: false; result: Result } | { ended: true; because: [Why, ...Why[]] };

/**
 * Steps that run until they finish, or until one of them (or a message) ends them early: a
 * consultation without enough support, Section 27 consent refused for good, a signatory asking for
 * changes. Ending cancels what is still open (its tasks leave the inbox), and `run` answers why
 * instead of the steps' result. Any other failure or cancellation (the process withdrawn) passes on.
 */
export class Endable<Why> {
  private readonly reasons: Why[] = [];

  /** `scope`: where the steps run; by default a scope of the step that creates it. */
  constructor(private readonly scope: CancellationScope = new CancellationScope()) {}

  /** Ends the steps. Each call adds its reason: two people may end them in the same moment. */
  end(why: Why): void {
    this.reasons.push(why);
    this.scope.cancel();
  }

  /** Ended if `end` was called, even by the last step to finish (nothing was left to cancel). */
  async run<Result>(steps: () => Promise<Result>): Promise<EndableOutcome<Result, Why>> {
    let result: Result;
    try {
      result = await this.scope.run(steps);
    } catch (err) {
      if (!(isCancellation(err) && this.reasons.length > 0)) throw err;
    }
    if (this.reasons.length === 0) return { ended: false, result: result! };
    const [first, ...more] = this.reasons as [Why, ...Why[]];
    return { ended: true, because: [first, ...more] };
  }
}
