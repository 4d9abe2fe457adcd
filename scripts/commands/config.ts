/** `pipeline config apply`: sends the config's settings to the running workflows. */
import type { Command } from 'commander';
import { withTemporalClient } from '../../adapters/temporal/client';
import { applySettings, changesText, configTargets } from '../../adapters/temporal/settings';
import { action, addClientSelection, jsonOption } from '../cli';
import type { ClientSelection, JsonOption } from '../cli';
import { output, table } from '../cli-output';

export function registerConfig(program: Command): void {
  const config = program.command('config').summary('Works with the configuration of running workflows');
  const apply = config
    .command('apply')
    .summary("Sends the config's rule actions and batch settings to the running workflows")
    .description(
      "Sends the config's rule actions (to client workflows and the ingest) and batch size, wait and clients (to the ingest) " +
        'to the running workflows; each takes them from its next batch and keeps them across continue-as-new. ' +
        'Prints what changed per workflow. With --client, only those clients (not the ingest).',
    );
  addClientSelection(apply, 'apply to')
    .addOption(jsonOption())
    .action(
      action<ClientSelection & JsonOption>(async (cfg, options) => {
        const applied = await withTemporalClient(cfg, async (temporal) =>
          applySettings(temporal, await configTargets(cfg, temporal, options.client)),
        );
        output(options.json, applied, () =>
          table(applied.map((a) => ({ kind: a.kind, workflow: a.workflowId, outcome: a.outcome, changes: changesText(a) }))),
        );
        return applied.some((a) => a.outcome === 'no answer') ? 1 : 0;
      }),
    );
}
