/**
 * `refresh` on a client workflow: rebuilds the client's tables into a staging generation while
 * its batches go on, then switches them in. Two short steps must run between batches, when no
 * batch of the client is writing: taking the plan (the batches processed so far) and the switch
 * (catching up with the batches processed meanwhile). The update handler asks for them, and the
 * workflow's loop takes them in its next gap, or while it waits to stop.
 */
import { ApplicationFailure, CancellationScope, condition, isCancellation, log, proxyActivities, uuid4, workflowInfo } from '@temporalio/workflow';
import type { PipelineActivities } from '../contract/activities';
import { REFRESH_TABLES } from '../contract/refresh';
import type { RefreshInput, RefreshOutcome, RefreshRequest } from '../contract/refresh';
import type { RuleActions } from '../contract/rules';
import { refreshTablesProblem } from '../domain/refresh-tables';
import { refreshProfile, waitForLakeProfile } from './profiles';

const rebuild = proxyActivities<PipelineActivities>(refreshProfile);
const between = proxyActivities<PipelineActivities>(waitForLakeProfile);

type Step = 'begin' | 'switch';

/**
 * A refresh keeps its update open while it rebuilds, and the workflow cannot continue as new
 * until it answers, while batches go on adding events. Past this many events the rebuild is
 * given up (the old tables stay live) well before Temporal's limit of 51,200 ends the workflow.
 */
export const REFRESH_HISTORY_CEILING = 40_000;

export interface RefreshHost {
  clientId: string;
  lakeId: string | undefined;
  ruleActions(): RuleActions;
  /** Stopped, or stopping: no refresh may start. */
  stopped(): boolean;
}

export class ClientRefresh {
  private wanted: { step: Step; input: RefreshInput } | null = null;
  private outcome: { ok: true; value: unknown } | { ok: false; error: unknown } | null = null;
  private running = false;

  constructor(private readonly host: RefreshHost) {}

  /** A refresh was asked for and has not answered yet. */
  get inProgress(): boolean {
    return this.running;
  }

  /** A step waits for the gap between batches. */
  get wantsTurn(): boolean {
    return this.wanted !== null;
  }

  /**
   * Where the loop waits without running batches (a stop waiting for handlers to finish): it
   * still takes refresh steps, since a refresh in progress is one of those handlers.
   */
  async takingTurnsUntil(done: () => boolean): Promise<void> {
    for (;;) {
      await condition(() => done() || this.wantsTurn);
      if (!this.wantsTurn) return;
      await this.takeTurn();
    }
  }

  /** Runs the step asked for; called by the loop between batches. */
  async takeTurn(): Promise<void> {
    const wanted = this.wanted;
    if (!wanted) return;
    this.wanted = null;
    const { step, input } = wanted;
    try {
      const summary = `${step === 'begin' ? 'plan' : 'switch'} refresh of ${input.clientId} (${input.tables.join(', ')})`;
      const value =
        step === 'begin'
          ? await between.beginRefresh.executeWithOptions({ ...waitForLakeProfile, summary }, [input])
          : await between.switchRefresh.executeWithOptions({ ...waitForLakeProfile, summary }, [input]);
      this.outcome = { ok: true, value };
    } catch (error) {
      this.outcome = { ok: false, error };
    }
  }

  private async between<T>(step: Step, input: RefreshInput): Promise<T> {
    this.outcome = null;
    this.wanted = { step, input };
    await condition(() => this.outcome !== null);
    const outcome = this.taken();
    if (!outcome.ok) throw outcome.error;
    return outcome.value as T;
  }

  private taken(): { ok: true; value: unknown } | { ok: false; error: unknown } {
    if (this.outcome === null) throw new Error('refresh step not taken');
    return this.outcome;
  }

  /** The rebuild, cancelled if the history grows too long while it runs. */
  private async rebuildWithinHistory(input: RefreshInput, summary: string): Promise<void> {
    const scope = new CancellationScope();
    const building = scope.run(() => rebuild.refreshClient.executeWithOptions({ ...refreshProfile, summary }, [input]));
    const tooLong = (): boolean => workflowInfo().historyLength > REFRESH_HISTORY_CEILING;
    void condition(tooLong).then(() => scope.cancel());
    try {
      await building;
    } catch (e) {
      if (!isCancellation(e) || !tooLong()) throw e;
      throw ApplicationFailure.nonRetryable(
        `refresh of ${input.clientId} given up: the workflow's history passed ${REFRESH_HISTORY_CEILING} events while it rebuilt; the old tables stay live, run it again when its batches are fewer`,
        'RefreshTooLong',
      );
    }
  }

  validate(request: RefreshRequest): void {
    const problem = refreshTablesProblem(request.tables ?? [...REFRESH_TABLES]);
    if (problem !== null) throw new Error(problem);
    if (this.running) throw new Error(`a refresh of ${this.host.clientId} is already running`);
    if (this.host.stopped()) throw new Error(`client ${this.host.clientId} is stopped; start it before refreshing`);
  }

  /** The update: plan, rebuild (batches go on meanwhile), switch; answers once the new tables are live. */
  async run(request: RefreshRequest): Promise<RefreshOutcome> {
    this.running = true;
    try {
      const tables = REFRESH_TABLES.filter((t) => (request.tables ?? REFRESH_TABLES).includes(t));
      const input: RefreshInput = {
        clientId: this.host.clientId,
        tables,
        generation: uuid4(),
        ruleActions: this.host.ruleActions(),
        lakeId: this.host.lakeId,
      };
      log.info('refresh started', { clientId: input.clientId, tables, generation: input.generation });
      const planned = await this.between<number>('begin', input);
      await this.rebuildWithinHistory(input, `rebuild ${planned} batches of ${input.clientId} (${tables.join(', ')})`);
      const outcome = await this.between<RefreshOutcome>('switch', input);
      log.info('refresh switched', { ...outcome });
      return outcome;
    } finally {
      this.running = false;
    }
  }
}
