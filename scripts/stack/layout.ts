/**
 * What the local stack is made of and where it lives: pinned versions, the settings taken from
 * the pipeline configuration, and the files under the stack's home folder.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const TEMPORAL_CLI_VERSION = 'v1.5.1';
export const KAFKA_POM = path.join(__dirname, 'kafka-pom.xml');
export const LOG4J_CONFIG = path.join(__dirname, 'log4j2.properties');
export const KAFKA_VERSION = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(readFileSync(KAFKA_POM, 'utf8'))?.[1] ?? 'unknown';

export type ServiceName = 'temporal' | 'kafka';

export interface StackSettings {
  home: string;
  temporalPort: number;
  uiPort: number;
  kafkaPort: number;
  /** Namespaces besides `default` to create (one per configured target). */
  namespaces: string[];
}

export type Say = (line: string) => void;

export function stackPaths(home: string) {
  const kafkaLibs = path.join(home, `kafka-${KAFKA_VERSION}`, 'libs');
  return {
    temporalBin: path.join(home, `temporal-${TEMPORAL_CLI_VERSION}`, 'bin', 'temporal'),
    kafkaLibs,
    /** The jar whose presence says the Kafka install completed. */
    kafkaJar: path.join(kafkaLibs, `kafka_2.13-${KAFKA_VERSION}.jar`),
    temporalDb: path.join(home, 'state', 'temporal.db'),
    kafkaData: path.join(home, 'state', `kafka-${KAFKA_VERSION}-data`),
    run: path.join(home, 'run'),
    logs: path.join(home, 'logs'),
    pidFile: (name: ServiceName) => path.join(home, 'run', `${name}.pid`),
    logFile: (name: ServiceName) => path.join(home, 'logs', `${name}.log`),
  };
}
