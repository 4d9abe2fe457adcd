import { loadConfig } from '../../config/load';
import { pauseClient, replayBatches, resumeClient } from '../../adapters/temporal/control';
import { isValidClientId } from '../../domain/rules';
import type { Client } from '@temporalio/client';
import type { ResolvedConfig } from '../../config/schema';
import { withTemporalClient } from '../../adapters/temporal/client';
import { defineCommand, output, table, UsageError } from '../cli';

function oneClient(positionals: string[]): string {
  const [id] = positionals;
  if (positionals.length !== 1 || id === undefined) throw new UsageError('expected one client id');
  if (!isValidClientId(id)) throw new UsageError(`invalid client id ${JSON.stringify(id)}`);
  return id;
}

/** Runs an action with the loaded config and a Temporal client. */
function withTemporal<T>(fn: (config: ResolvedConfig, temporal: Client) => Promise<T>): Promise<T> {
  const config = loadConfig();
  return withTemporalClient(config, (temporal) => fn(config, temporal));
}

export const pauseCommand = defineCommand({
  name: 'pause',
  usage: 'pause ID [--reason TEXT]',
  summary: "Pauses one client's pipeline. New batches keep queueing durably; other clients are not affected.",
  options: { reason: { type: 'string' } },
  optionHelp: { reason: 'why (kept in the workflow log)' },
  async run({ values, positionals }) {
    const id = oneClient(positionals);
    await withTemporal((config, temporal) => pauseClient(config, temporal, id, values.reason as string | undefined));
    process.stdout.write(`paused ${id}\n`);
  },
});

export const resumeCommand = defineCommand({
  name: 'resume',
  usage: 'resume ID',
  summary: "Resumes a paused client's pipeline; queued batches run in order.",
  options: {},
  optionHelp: {},
  async run({ positionals }) {
    const id = oneClient(positionals);
    await withTemporal((config, temporal) => resumeClient(config, temporal, id));
    process.stdout.write(`resumed ${id}\n`);
  },
});

export const replayCommand = defineCommand({
  name: 'replay',
  usage: 'replay ID [--batch B ...|--all-failed] [--json]',
  summary: 'Reruns failed batches of a client (after fixing the cause) and prints the outcome of each.',
  options: { batch: { type: 'string', multiple: true }, 'all-failed': { type: 'boolean' }, json: { type: 'boolean' } },
  optionHelp: { batch: 'batch id to replay (repeatable)', 'all-failed': 'replay every failed batch', json: 'print as JSON' },
  async run({ values, positionals }) {
    const id = oneClient(positionals);
    const batchIds = values.batch as string[] | undefined;
    if (!batchIds && !values['all-failed']) throw new UsageError('name batches with --batch, or use --all-failed');
    if (batchIds && values['all-failed']) throw new UsageError('use either --batch or --all-failed');
    const outcomes = await withTemporal((config, temporal) => replayBatches(config, temporal, id, batchIds ? { batchIds } : { allFailed: true }));
    output(values.json === true, outcomes, () => table(outcomes.map((o) => ({ batch: o.batchId, outcome: o.outcome, error: o.error ?? '' }))));
    return outcomes.some((o) => o.outcome === 'failed') ? 1 : 0;
  },
});
