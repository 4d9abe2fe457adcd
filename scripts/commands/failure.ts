/** `pipeline failure ID --error …`: reports a failure to a client's workflow (row and alert). */
import type { Command } from 'commander';
import { withTemporalClient } from '../../adapters/temporal/client';
import { reportClientFailure } from '../../adapters/temporal/failure-signal';
import { action, clientId, UsageError } from '../cli';

export function registerFailure(program: Command): void {
  program
    .command('failure')
    .summary("Reports a failure to a client's workflow")
    .description(
      "Sends the `failure` signal to a client's workflow, as an outside monitor would: it records a pipeline_errors row and raises an alert (throttled per client and channel).",
    )
    .argument('<id>', 'client id', clientId)
    .requiredOption('--error <text>', 'what failed')
    .option('--batch <id>', 'the batch concerned')
    .option('--layer <name>', 'where it failed (default: signal)')
    .action(
      action<{ error: string; batch?: string; layer?: string }, [string]>(async (config, options, id) => {
        if (options.error.trim() === '') throw new UsageError('--error must say what failed');
        const report = { error: options.error, batchId: options.batch, layer: options.layer };
        const workflowId = await withTemporalClient(config, (temporal) => reportClientFailure(config, temporal, id, report));
        process.stdout.write(`failure reported to ${workflowId}\n`);
      }),
    );
}
