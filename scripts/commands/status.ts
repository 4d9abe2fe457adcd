import { loadConfig } from '../../config/load';
import { pipelineStatus } from '../../adapters/temporal/control';
import { createKafka, TopicOffsets } from '../../adapters/kafka/kafka';
import { isValidClientId } from '../../domain/rules';
import { withTemporalClient } from '../../adapters/temporal/client';
import { defineCommand, output, table, UsageError } from '../cli';

export const statusCommand = defineCommand({
  name: 'status',
  usage: 'status [ID] [--json]',
  summary:
    'Per client: state, queued batches, processed, failed, last batch; for the ingest: consumer lag. `drained` is true when nothing is left to do.',
  options: { json: { type: 'boolean' } },
  optionHelp: { json: 'print as JSON (for scripts)' },
  async run({ values, positionals }) {
    const only = positionals[0];
    if (positionals.length > 1) throw new UsageError('expected at most one client id');
    if (only !== undefined && !isValidClientId(only)) throw new UsageError(`invalid client id ${JSON.stringify(only)}`);
    const config = loadConfig();
    const offsets = new TopicOffsets(createKafka(config.kafka));
    try {
      const report = await withTemporalClient(config, (temporal) => pipelineStatus(config, temporal, offsets, only));
      output(values.json === true, report, () => {
        const i = report.ingest;
        const head = i
          ? `ingest ${report.topic} (${i.mode}): ${i.phase}, ${i.batches} batches, ${i.messages} messages this run, lag ${i.lag}`
          : `ingest ${report.topic}: ${report.ingestNote ?? 'not running (pipeline start)'}`;
        const rows = report.clients.map((c) => (!c.answered ? { client: c.clientId, state: c.state, queued: '?', note: c.lastError } : {
          client: c.clientId,
          state: c.state,
          queued: c.queued,
          backlog: c.backlogRecords,
          processed: c.processed,
          failed: c.failed,
          records: c.totals.records,
          silver: c.totals.silver,
          dropped: c.totals.dropped,
          'last batch': c.lastBatchId ?? '',
          'last batch at': c.lastBatchAt ?? '',
        }));
        return `${head}\n${table(rows, ['client', 'state', 'queued', 'backlog', 'processed', 'failed', 'records', 'silver', 'dropped', 'last batch', 'last batch at', 'note'])}\n${report.drained ? 'drained: nothing queued, no lag' : 'working'}`;
      });
    } finally {
      await offsets.close();
    }
  },
});
