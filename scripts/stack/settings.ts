/** The local stack's ports and namespaces, taken from the pipeline configuration. */
import type { ResolvedConfig } from '../../config/schema';
import { localStackHome } from '../../config/local-home';
import type { StackSettings } from './layout';

function portOf(hostPort: string): number {
  return Number(hostPort.slice(hostPort.lastIndexOf(':') + 1));
}

export function stackSettings(config: ResolvedConfig, env: NodeJS.ProcessEnv = process.env): StackSettings {
  return {
    home: localStackHome(env),
    temporalPort: portOf(config.temporal.address),
    uiPort: Number(new URL(config.temporal.uiUrl).port || 8233),
    kafkaPort: portOf(config.kafka.brokers[0] ?? '127.0.0.1:9092'),
    namespaces: config.namespaces.filter((ns) => ns !== 'default'),
  };
}
