import { loadConfig } from '../../config/load';
import { defineCommand, output, table, UsageError } from '../cli';
import { stackSettings } from '../stack/settings';
import { down, reset, status, up } from '../stack/stack';

export const stackCommand = defineCommand({
  name: 'stack',
  usage: 'stack up|down|status|reset [--json] [--yes]',
  summary:
    'Local Temporal dev server (with Web UI) and Kafka broker. `up` installs them on first use (pinned, cached in ~/.cache/medallion-pipeline) and starts what is not running; `down` stops only what `up` started; `reset --yes` stops it and deletes its Temporal history, Kafka data and default lake.',
  options: { json: { type: 'boolean' }, yes: { type: 'boolean' } },
  optionHelp: { json: 'print status as JSON', yes: 'confirm `reset`' },
  async run({ values, positionals }) {
    const action = positionals[0];
    if (positionals.length !== 1 || !['up', 'down', 'status', 'reset'].includes(action ?? '')) throw new UsageError('expected one of: up, down, status, reset');
    if (action === 'reset' && !values.yes) throw new UsageError('reset deletes all local pipeline state; confirm with --yes');
    const settings = stackSettings(loadConfig());
    const say = (line: string) => process.stderr.write(`${line}\n`);
    if (action === 'up') {
      const started = Date.now();
      await up(settings, say);
      say(`stack ready in ${((Date.now() - started) / 1000).toFixed(1)}s: Temporal 127.0.0.1:${settings.temporalPort}, Web UI http://127.0.0.1:${settings.uiPort}, Kafka 127.0.0.1:${settings.kafkaPort}`);
    } else if (action === 'down') {
      await down(settings, say);
    } else if (action === 'reset') {
      await reset(settings, say);
    } else {
      const services = await status(settings);
      output(values.json === true, services, () =>
        table(services.map((s) => ({ service: s.name, version: s.version, installed: s.installed, running: s.reachable, 'started by stack': s.ownedPid ?? '', address: s.address }))),
      );
    }
  },
});
