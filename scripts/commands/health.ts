import type { Command } from 'commander';
import { querySql } from '../../adapters/lake/sql-session';
import { action, jsonOption } from '../cli';
import type { JsonOption } from '../cli';
import { output, table } from '../cli-output';
import { liveStatesFor } from './lake-views';

export function registerHealth(program: Command): void {
  program
    .command('health')
    .summary('The pipeline_health_monitor view, per client')
    .description(
      'The pipeline_health_monitor view: per client state, last batch, batches ok/failed, records, drops, error rate, backlog and last error.',
    )
    .addOption(jsonOption())
    .action(
      action<JsonOption>(async (config, options) => {
        const rows = await querySql(config, 'SELECT * FROM pipeline_health_monitor', { live: liveStatesFor(config, 'health') });
        output(options.json, rows, () => table(rows));
      }),
    );
}
