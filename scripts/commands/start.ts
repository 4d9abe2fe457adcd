import { loadConfig } from '../../config/load';
import { startPipeline } from '../../adapters/temporal/control';
import { isValidClientId } from '../../domain/rules';
import { withTemporalClient } from '../../adapters/temporal/client';
import { defineCommand, output, table, UsageError } from '../cli';

export const startCommand = defineCommand({
  name: 'start',
  usage: 'start [--client ID ...|--all] [--mode continuous|triggered] [--json]',
  summary: 'Starts the ingest workflow of the topic and the client workflows. Idempotent: what already runs is left as is.',
  options: { client: { type: 'string', multiple: true }, all: { type: 'boolean' }, mode: { type: 'string' }, json: { type: 'boolean' } },
  optionHelp: {
    client: 'start this client (repeatable); default: every known client',
    all: 'start every known client (the default)',
    mode: 'continuous (default) or triggered (ingest up to the offsets present now, then complete)',
    json: 'print as JSON',
  },
  async run({ values }) {
    const mode = (values.mode as string | undefined) ?? 'continuous';
    if (mode !== 'continuous' && mode !== 'triggered') throw new UsageError(`--mode must be continuous or triggered, not ${mode}`);
    const clients = values.client as string[] | undefined;
    if (clients && values.all) throw new UsageError('use either --client or --all');
    for (const id of clients ?? []) if (!isValidClientId(id)) throw new UsageError(`invalid client id ${JSON.stringify(id)}`);
    const config = loadConfig();
    const started = await withTemporalClient(config, (temporal) => startPipeline(config, temporal, { clients, mode }));
    output(values.json === true, started, () => `workflows running:\n${table(started.map((s) => ({ kind: s.kind, workflow: s.workflowId, 'web ui': s.uiUrl })))}`);
  },
});
