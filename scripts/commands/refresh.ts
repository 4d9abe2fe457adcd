/** `pipeline refresh`: rebuilds a client's tables from kafka_raw_bronze (e.g. after a rule change). */
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { refreshClient } from '../../adapters/temporal/client-signals';
import { withTemporalClient } from '../../adapters/temporal/client';
import type { RefreshTable } from '../../contract/refresh';
import { refreshTablesProblem } from '../../domain/refresh-tables';
import { action, clientId, jsonOption } from '../cli';
import type { JsonOption } from '../cli';
import { output, table } from '../cli-output';

function tablesList(text: string): RefreshTable[] {
  const tables = text.split(',').map((t) => t.trim());
  const problem = refreshTablesProblem(tables);
  if (problem !== null) throw new InvalidArgumentError(problem);
  return tables as RefreshTable[];
}

export function registerRefresh(program: Command): void {
  program
    .command('refresh')
    .summary("Rebuilds a client's tables from kafka_raw_bronze with the current rule actions")
    .description(
      "Rebuilds a client's tables (or some) from its rows in kafka_raw_bronze with the rule actions it runs with now, " +
        'replacing its error rows and quality metrics of those layers. Its new batches keep flowing and other clients are ' +
        'not affected; the new tables replace the old ones at once when done. silver,gold rebuilds from the existing ' +
        'bronze, gold from silver. Waits until the new tables are live.',
    )
    .argument('<id>', 'client id', clientId)
    .option('--tables <list>', 'comma-separated: bronze,silver,gold (a table needs those built from it)', tablesList)
    .addOption(jsonOption())
    .action(
      action<JsonOption & { tables?: RefreshTable[] }, [string]>(async (config, options, id) => {
        const outcome = await withTemporalClient(config, (temporal) => refreshClient(config, temporal, id, { tables: options.tables }));
        output(options.json, outcome, () =>
          [
            `refreshed ${outcome.clientId} (${outcome.tables.join(', ')}): ${outcome.batches} batches, ${outcome.caughtUp} of them caught up during the rebuild`,
            table(outcome.tables.map((t) => ({ table: t, rows: outcome.rows[t] ?? 0 }))),
          ].join('\n'),
        );
      }),
    );
}
