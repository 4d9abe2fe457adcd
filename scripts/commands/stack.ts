import { Argument } from 'commander';
import type { Command } from 'commander';
import { action, jsonOption, UsageError } from '../cli';
import type { JsonOption } from '../cli';
import { output, table } from '../cli-output';
import { stackSettings } from '../stack/settings';
import { down, reset, status, up } from '../stack/stack';

const ACTIONS = ['up', 'down', 'status', 'reset'] as const;
type StackAction = (typeof ACTIONS)[number];

export function registerStack(program: Command): void {
  program
    .command('stack')
    .summary('Local Temporal dev server (with Web UI) and Kafka broker')
    .description(
      'Local Temporal dev server (with Web UI) and Kafka broker. `up` installs them on first use (pinned, cached in ~/.cache/medallion-pipeline) and starts what is not running; `down` stops only what `up` started; `reset --yes` stops it and deletes its Temporal history, Kafka data and default lake.',
    )
    .addArgument(new Argument('<action>', 'what to do').choices(ACTIONS))
    .addOption(jsonOption())
    .option('--yes', 'confirm `reset`')
    .action(
      action<JsonOption & { yes?: boolean }, [StackAction]>(async (config, options, todo) => {
        if (todo === 'reset' && !options.yes) throw new UsageError('reset deletes all local pipeline state; confirm with --yes');
        const settings = stackSettings(config);
        const say = (line: string) => process.stderr.write(`${line}\n`);
        switch (todo) {
          case 'up': {
            const started = Date.now();
            await up(settings, say);
            say(
              `stack ready in ${((Date.now() - started) / 1000).toFixed(1)}s: Temporal 127.0.0.1:${settings.temporalPort}, Web UI http://127.0.0.1:${settings.uiPort}, Kafka 127.0.0.1:${settings.kafkaPort}`,
            );
            return;
          }
          case 'down':
            return down(settings, say);
          case 'reset':
            return reset(settings, say);
          case 'status': {
            const services = await status(settings);
            output(options.json, services, () =>
              table(
                services.map((s) => ({
                  service: s.name,
                  version: s.version,
                  installed: s.installed,
                  running: s.reachable,
                  'started by stack': s.ownedPid ?? '',
                  address: s.address,
                })),
              ),
            );
          }
        }
      }),
    );
}
