import type { Command } from 'commander';
import { querySql, SqlRefused } from '../../adapters/lake/sql-session';
import { action, jsonOption, UsageError } from '../cli';
import type { JsonOption } from '../cli';
import { output, table } from '../cli-output';
import { liveStatesFor } from './lake-views';

export function registerSql(program: Command): void {
  program
    .command('sql')
    .summary('Runs SQL over the lake')
    .description(
      'Runs one read-only SELECT over the lake (files outside the lake cannot be read, nothing can be written). Views: kafka_raw_bronze, client_list, bronze_<client>, silver_<client>, gold_<client>_summary, pipeline_errors, pipeline_quality_metrics, pipeline_health_monitor (and pipeline_client_state, the live workflow states it uses).',
    )
    .argument('<query>', 'one SELECT statement, in quotes')
    .addOption(jsonOption())
    .action(
      action<JsonOption, [string]>(async (config, options, query) => {
        if (!query.trim()) throw new UsageError('expected one SQL statement in quotes');
        // Only views that show live states need Temporal; the rest work from the lake alone.
        const rows = await querySql(config, query, { live: liveStatesFor(config, 'sql') }).catch((e: unknown) => {
          throw e instanceof SqlRefused ? new UsageError(e.message) : e;
        });
        output(options.json, rows, () => table(rows));
      }),
    );
}
