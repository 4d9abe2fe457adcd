/** `pipeline stop`: ends the pipeline cleanly, for a later `pipeline start` to continue. */
import type { Command } from 'commander';
import { stopPipeline } from '../../adapters/temporal/stop';
import { withTemporalClient } from '../../adapters/temporal/client';
import { action, addClientSelection, jsonOption } from '../cli';
import type { ClientSelection, JsonOption } from '../cli';
import { output, table } from '../cli-output';

export function registerStop(program: Command): void {
  const command = program
    .command('stop')
    .summary('Stops the pipeline after the batches in flight')
    .description(
      'Stops the pipeline after the batches in flight: the ingest lands and hands over its raw batch and completes; ' +
        'each client finishes its batch and waits with its queue. `pipeline start` continues exactly there. ' +
        'With --client, only those clients stop and the ingest goes on (their batches keep queueing).',
    );
  addClientSelection(command, 'stop')
    .option('--reason <text>', 'why (kept in the workflow log)')
    .addOption(jsonOption())
    .action(
      action<ClientSelection & JsonOption & { reason?: string }>(async (config, options) => {
        const stopped = await withTemporalClient(config, (temporal) =>
          stopPipeline(config, temporal, { clients: options.client, reason: options.reason }),
        );
        output(options.json, stopped, () => table(stopped.map((s) => ({ kind: s.kind, workflow: s.workflowId, outcome: s.outcome }))));
      }),
    );
}
