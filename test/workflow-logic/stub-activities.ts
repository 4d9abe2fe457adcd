/**
 * Test doubles for the pipeline's activities: they record every call, succeed at once by default,
 * and fail, refuse as the wrong lake, or hold until released when a test asks them to. A step is
 * a layer's work on a batch, whichever activity carried it: an activity over a run of batches
 * records the step once for each of its batches, and acts as the first of them that has a behaviour.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { PipelineActivities } from '../../contract/activities';
import { AlertStubs } from './alert-stubs';
import { createClientRunActivities, inLayer } from '../../activities/client-run';
import { ErrorType } from '../../contract/errors';
import type { BatchRef, ClientBatchInput, ClientRunInput, LayerCounts } from '../../contract/types';
import type { RefreshInput } from '../../contract/refresh';

export type RefreshStep = 'beginRefresh' | 'refreshClient' | 'switchRefresh';

export type ClientStep = 'bronzeBatch' | 'silverBatch' | 'goldBatch' | 'discardClientBatch' | 'recordBatchFailure';

export interface Call {
  step: ClientStep;
  batchId: string;
  attempt: number;
  ruleActions: ClientBatchInput['ruleActions'];
}

/** One activity call: its step and the batches it carried. */
export interface Run {
  step: ClientStep;
  batchIds: string[];
}

/** What a step does for one batch: fail for good, refuse as the wrong lake a number of times, or hold. */
export type Behaviour = { kind: 'fail'; message?: string } | { kind: 'wrong-lake'; times: number } | { kind: 'hold' };

/** A promise with its resolver, for steps that wait on the test. */
class Gate {
  resolve: () => void = () => undefined;
  readonly promise = new Promise<void>((r) => (this.resolve = r));
}

interface Held {
  started: Gate;
  released: Gate;
}

const key = (step: ClientStep, batchId: string): string => `${step}/${batchId}`;

export class StubActivities {
  readonly calls: Call[] = [];
  /** The clients whose tables were compacted, once per compaction. */
  readonly compactions: string[] = [];
  readonly runs: Run[] = [];
  /** Alert activities: what reached them, and channels whose sends fail. */
  readonly alerts = new AlertStubs();
  private readonly behaviours = new Map<string, Behaviour>();
  private readonly wrongLakeSeen = new Map<string, number>();
  private readonly held = new Map<string, Held>();

  /** Refresh steps in the order they ran, with their input. */
  readonly refreshCalls: { step: RefreshStep; input: RefreshInput }[] = [];
  /** While set, the refresh rebuild waits until released (batches go on meanwhile). */
  private rebuildHold: Held | null = null;

  holdRebuild(): { started: Promise<void>; release: () => void } {
    const held = { started: new Gate(), released: new Gate() };
    this.rebuildHold = held;
    return { started: held.started.promise, release: () => held.released.resolve() };
  }

  private async refreshStep(step: RefreshStep, input: RefreshInput): Promise<void> {
    this.refreshCalls.push({ step, input });
    const held = this.rebuildHold;
    if (step !== 'refreshClient' || !held) return;
    held.started.resolve();
    const ctx = Context.current();
    const beat = setInterval(() => ctx.heartbeat(), 50);
    try {
      await Promise.race([held.released.promise, ctx.cancelled]);
    } finally {
      clearInterval(beat);
    }
  }

  /** Makes `step` of `batchId` behave so from now on (until `clear`). */
  on(step: ClientStep, batchId: string, behaviour: Behaviour): this {
    this.behaviours.set(key(step, batchId), behaviour);
    if (behaviour.kind === 'hold') this.held.set(key(step, batchId), { started: new Gate(), released: new Gate() });
    return this;
  }

  clear(step: ClientStep, batchId: string): void {
    this.behaviours.delete(key(step, batchId));
  }

  /** Resolves once a held step has started (the batch is in progress). */
  started(step: ClientStep, batchId: string): Promise<void> {
    const gate = this.held.get(key(step, batchId));
    if (!gate) throw new Error(`${step} of ${batchId} is not held`);
    return gate.started.promise;
  }

  release(step: ClientStep, batchId: string): void {
    this.held.get(key(step, batchId))?.released.resolve();
    this.clear(step, batchId);
  }

  /** Lets every held step go, so the worker can shut down. */
  releaseAll(): void {
    for (const gate of this.held.values()) gate.released.resolve();
    this.rebuildHold?.released.resolve();
  }

  /** The calls for one batch, as `step` names in order. */
  stepsOf(batchId: string): ClientStep[] {
    return this.calls.filter((c) => c.batchId === batchId).map((c) => c.step);
  }

  count(step: ClientStep, batchId: string): number {
    return this.calls.filter((c) => c.step === step && c.batchId === batchId).length;
  }

  /** The batches each call of `step` for any of these batches carried, in call order. */
  runsOf(step: ClientStep, batchIds: readonly string[]): string[][] {
    return this.runs.filter((r) => r.step === step && r.batchIds.some((id) => batchIds.includes(id))).map((r) => r.batchIds);
  }

  private async run(step: ClientStep, batches: readonly BatchRef[], ruleActions: ClientBatchInput['ruleActions']): Promise<void> {
    const { attempt } = Context.current().info;
    this.runs.push({ step, batchIds: batches.map((b) => b.batchId) });
    for (const { batchId } of batches) this.calls.push({ step, batchId, attempt, ruleActions });
    const acting = batches.find((b) => this.behaviours.has(key(step, b.batchId)));
    if (!acting) return;
    const { batchId } = acting;
    const behaviour = this.behaviours.get(key(step, batchId));
    if (!behaviour) return;
    switch (behaviour.kind) {
      case 'fail':
        throw ApplicationFailure.nonRetryable(behaviour.message ?? `${step} broke a rule`, ErrorType.DataQualityFailure);
      case 'wrong-lake': {
        const seen = (this.wrongLakeSeen.get(key(step, batchId)) ?? 0) + 1;
        this.wrongLakeSeen.set(key(step, batchId), seen);
        if (seen > behaviour.times) return;
        // A short retry delay keeps the test fast; the retry policy's attempt limit still applies.
        throw ApplicationFailure.create({ message: 'wrong lake', type: ErrorType.WrongLake, nextRetryDelay: 20 });
      }
      case 'hold':
        return this.hold(step, batchId);
    }
  }

  /** Heartbeats until released or cancelled, like a long lake write that honours cancellation. */
  private async hold(step: ClientStep, batchId: string): Promise<void> {
    const gate = this.held.get(key(step, batchId));
    if (!gate) return;
    gate.started.resolve();
    const ctx = Context.current();
    const beat = setInterval(() => ctx.heartbeat(), 50);
    try {
      await Promise.race([gate.released.promise, ctx.cancelled]);
    } finally {
      clearInterval(beat);
    }
  }

  /** The activities a worker registers. Ingest activities are never reached by client workflows. */
  activities(): PipelineActivities {
    const counts = (batch: BatchRef): LayerCounts => ({ records: batch.records, passed: batch.records, dropped: 0, warned: 0 });
    const unused = (name: string) => (): Promise<never> => Promise.reject(new Error(`${name} is not stubbed`));
    const layer = (step: ClientStep) => async (input: ClientRunInput) => {
      await this.run(step, input.batches, input.ruleActions);
      return input.batches.map(counts);
    };
    const one = (step: ClientStep) => async (input: ClientBatchInput) => {
      await this.run(step, [input.batch], input.ruleActions);
      return counts(input.batch);
    };
    const records = (batches: readonly BatchRef[]) => batches.reduce((n, b) => n + b.records, 0);
    const bronzeBatches = layer('bronzeBatch');
    const silverBatches = layer('silverBatch');
    const goldBatches = async (input: ClientRunInput) => {
      await this.run('goldBatch', input.batches, input.ruleActions);
      return records(input.batches);
    };
    return {
      bronzeBatches,
      silverBatches,
      goldBatches,
      // The real composition of the layers, over the stubbed layers.
      ...createClientRunActivities({
        bronzeAndSilver: async (input) => ({
          bronze: await inLayer('bronze', () => bronzeBatches(input)),
          silver: await inLayer('silver', () => silverBatches(input)),
        }),
        goldBatches,
      }),
      discardClientBatches: (input) => this.run('discardClientBatch', input.batches, input.ruleActions),
      bronzeBatch: one('bronzeBatch'),
      silverBatch: one('silverBatch'),
      goldBatch: async (input) => {
        await this.run('goldBatch', [input.batch], input.ruleActions);
        return input.batch.records;
      },
      discardClientBatch: (input) => this.run('discardClientBatch', [input.batch], input.ruleActions),
      recordBatchFailure: (input) => this.run('recordBatchFailure', [input.batch], input.ruleActions),
      compactClientTables: async ({ clientId }) => {
        this.compactions.push(clientId);
        return { clientId, folders: 0, filesBefore: 0, filesAfter: 0 };
      },
      ...this.alerts.activities(),
      beginRefresh: async (input) => {
        await this.refreshStep('beginRefresh', input);
        return this.calls.filter((c) => c.step === 'goldBatch').length;
      },
      refreshClient: async (input) => {
        await this.refreshStep('refreshClient', input);
        return 0;
      },
      switchRefresh: async (input) => {
        await this.refreshStep('switchRefresh', input);
        return { clientId: input.clientId, tables: input.tables, generation: input.generation, batches: 0, caughtUp: 0, rows: {} };
      },
      ingestBatch: unused('ingestBatch'),
      dispatchBatch: unused('dispatchBatch'),
      recoverIngestPosition: unused('recoverIngestPosition'),
      endOffsets: unused('endOffsets'),
      awaitIngestThrough: unused('awaitIngestThrough'),
      clientBaseline: unused('clientBaseline'),
      runClientThrough: unused('runClientThrough'),
    };
  }
}
