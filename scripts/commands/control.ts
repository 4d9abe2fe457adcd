/** Operator messages to one client's workflow: pause, resume, replay. */
import { Option } from 'commander';
import type { Command } from 'commander';
import { pauseClient, replayBatches, resumeClient } from '../../adapters/temporal/client-signals';
import { withTemporalClient } from '../../adapters/temporal/client';
import { action, clientId, jsonOption, repeatable, UsageError } from '../cli';
import type { JsonOption } from '../cli';
import { output, table } from '../cli-output';

/** A command acting on one client, named by its first argument. */
function clientCommand(program: Command, name: string, summary: string, description: string): Command {
  return program.command(name).summary(summary).description(description).argument('<id>', 'client id', clientId);
}

export function registerClientControl(program: Command): void {
  clientCommand(
    program,
    'pause',
    "Pauses one client's pipeline",
    "Pauses one client's pipeline. New batches keep queueing durably; other clients are not affected.",
  )
    .option('--reason <text>', 'why (kept in the workflow log)')
    .action(
      action<{ reason?: string }, [string]>(async (config, options, id) => {
        await withTemporalClient(config, (temporal) => pauseClient(config, temporal, id, options.reason));
        process.stdout.write(`paused ${id}\n`);
      }),
    );

  clientCommand(program, 'resume', "Resumes a paused client's pipeline", "Resumes a paused client's pipeline; queued batches run in order.").action(
    action<object, [string]>(async (config, _options, id) => {
      await withTemporalClient(config, (temporal) => resumeClient(config, temporal, id));
      process.stdout.write(`resumed ${id}\n`);
    }),
  );

  clientCommand(
    program,
    'replay',
    'Reruns failed batches of a client',
    'Reruns failed batches of a client (after fixing the cause) and prints the outcome of each.',
  )
    .addOption(new Option('--batch <id>', 'batch id to replay (repeatable)').argParser(repeatable(String)))
    .addOption(new Option('--all-failed', 'replay every failed batch').conflicts('batch'))
    .addOption(jsonOption())
    .action(
      action<JsonOption & { batch?: string[]; allFailed?: boolean }, [string]>(async (config, options, id) => {
        if (!options.batch && !options.allFailed) throw new UsageError('name batches with --batch, or use --all-failed');
        const request = options.batch ? { batchIds: options.batch } : { allFailed: true };
        const outcomes = await withTemporalClient(config, (temporal) => replayBatches(config, temporal, id, request));
        output(options.json, outcomes, () => table(outcomes.map((o) => ({ batch: o.batchId, outcome: o.outcome, error: o.error ?? '' }))));
        return outcomes.some((o) => o.outcome === 'failed') ? 1 : 0;
      }),
    );
}
