import { loadConfig } from '../../config/load';
import { liveClientStates } from '../../adapters/temporal/control';
import { querySql } from '../../adapters/lake/sql-session';
import { defineCommand, output, table, UsageError } from '../cli';

export const sqlCommand = defineCommand({
  name: 'sql',
  usage: 'sql "SELECT ..." [--json]',
  summary:
    'Runs SQL over the lake. Views: kafka_raw_bronze, client_list, bronze_<client>, silver_<client>, gold_<client>_summary, pipeline_errors, pipeline_quality_metrics, pipeline_health_monitor (and pipeline_client_state, the live workflow states it uses).',
  options: { json: { type: 'boolean' } },
  optionHelp: { json: 'print rows as JSON' },
  async run({ values, positionals }) {
    if (positionals.length !== 1 || !positionals[0]?.trim()) throw new UsageError('expected one SQL statement in quotes');
    const config = loadConfig();
    // Only the health view needs Temporal; other queries work from the lake alone, stack up or not.
    const live = /pipeline_health_monitor|pipeline_client_state/i.test(positionals[0]) ? (await liveClientStates(config)).states : [];
    const rows = await querySql(config, positionals[0], undefined, live);
    output(values.json === true, rows, () => table(rows));
  },
});
