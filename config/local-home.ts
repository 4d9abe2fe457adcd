/**
 * Where the local stack keeps its state: the Temporal database, Kafka's log and, unless the
 * config names another lake, the lake. Keeping the three together means they always agree,
 * whichever clone runs the pipeline.
 */
import os from 'node:os';
import path from 'node:path';

export function localStackHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.PIPELINE_STACK_HOME ?? path.join(env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'medallion-pipeline');
}
