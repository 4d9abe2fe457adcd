import type { Command } from 'commander';
import { pipelineStatus } from '../../adapters/temporal/status';
import type { StatusReport } from '../../adapters/temporal/status';
import { createKafka, TopicOffsets } from '../../adapters/kafka/kafka';
import { withTemporalClient } from '../../adapters/temporal/client';
import { action, clientId, jsonOption } from '../cli';
import type { JsonOption } from '../cli';
import { output, table } from '../cli-output';
import { formatDelay } from '../../domain/freshness';

const COLUMNS = [
  'client',
  'state',
  'queued',
  'backlog',
  'processed',
  'failed',
  'records',
  'silver',
  'dropped',
  'gold behind',
  'last to gold',
  'last batch',
  'last batch at',
  'note',
];

function humanReport(report: StatusReport): string {
  const i = report.ingest;
  const head = i
    ? `ingest ${report.topic} (${i.mode}): ${i.phase}, ${i.batches} batches, ${i.messages} messages this run, lag ${i.lag}`
    : `ingest ${report.topic}: ${report.ingestNote ?? 'not running (pipeline start)'}`;
  const rows = report.clients.map((c) =>
    !c.answered
      ? { client: c.clientId, state: c.state, queued: '?', note: c.lastError }
      : {
          client: c.clientId,
          state: c.state,
          queued: c.queued,
          backlog: c.backlogRecords,
          processed: c.processed,
          failed: c.failed,
          records: c.totals.records,
          silver: c.totals.silver,
          dropped: c.totals.dropped,
          'gold behind': formatDelay(c.freshness.pendingAgeMs),
          'last to gold': formatDelay(c.freshness.lastGoldDelayMs),
          'last batch': c.lastBatchId ?? '',
          'last batch at': c.lastBatchAt ?? '',
        },
  );
  return `${head}\n${table(rows, COLUMNS)}\n${report.drained ? 'drained: nothing queued, no lag' : 'working'}`;
}

export function registerStatus(program: Command): void {
  program
    .command('status')
    .summary('Per client: state, queued batches, processed, failed, last batch; for the ingest: consumer lag')
    .description(
      'Per client: state, queued batches, processed, failed, last batch; for the ingest: consumer lag. `drained` is true when nothing is left to do.',
    )
    .argument('[id]', 'only this client', clientId)
    .addOption(jsonOption())
    .action(
      action<JsonOption, [string | undefined]>(async (config, options, only) => {
        const offsets = new TopicOffsets(createKafka(config.kafka));
        try {
          const report = await withTemporalClient(config, (temporal) => pipelineStatus(config, temporal, offsets, only));
          output(options.json, report, () => humanReport(report));
        } finally {
          await offsets.close();
        }
      }),
    );
}
