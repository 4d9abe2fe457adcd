import { Option } from 'commander';
import type { Command } from 'commander';
import { startPipeline } from '../../adapters/temporal/start';
import { withTemporalClient } from '../../adapters/temporal/client';
import { changesText } from '../../adapters/temporal/settings';
import type { PipelineMode } from '../../contract/types';
import { action, addClientSelection, jsonOption } from '../cli';
import type { ClientSelection, JsonOption } from '../cli';
import { output, table } from '../cli-output';

const MODES: readonly PipelineMode[] = ['continuous', 'triggered'];

export function registerStart(program: Command): void {
  const command = program
    .command('start')
    .summary('Starts the ingest workflow of the topic and the client workflows')
    .description('Starts the ingest workflow of the topic and the client workflows. Idempotent: what already runs is left as is.');
  addClientSelection(command, 'start')
    .addOption(
      new Option('--mode <mode>', 'continuous, or triggered: ingest up to the offsets present now, then complete')
        .choices(MODES)
        .default('continuous'),
    )
    .addOption(jsonOption())
    .action(
      action<ClientSelection & JsonOption & { mode: PipelineMode }>(async (config, options) => {
        const started = await withTemporalClient(config, (temporal) =>
          startPipeline(config, temporal, { clients: options.client, mode: options.mode }),
        );
        output(
          options.json,
          started,
          () =>
            `workflows running:\n${table(started.map((s) => ({ kind: s.kind, workflow: s.workflowId, settings: s.settings ? changesText(s.settings) : 'started', 'web ui': s.uiUrl })))}`,
        );
      }),
    );
}
