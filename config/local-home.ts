/**
 * Where the local stack keeps its state: the Temporal database, Kafka's log and, unless the
 * config names another lake, the lake. Keeping the three together means they always agree,
 * whichever clone runs the pipeline.
 */
import os from 'node:os';
import path from 'node:path';

/** A variable's value, with an empty one counted as unset (as the config's overrides do). */
function setting(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

/**
 * Always an absolute path: `stack reset` deletes folders under it, so an empty or relative
 * value must never mean the current folder.
 */
export function localStackHome(env: NodeJS.ProcessEnv = process.env): string {
  const home = setting(env.PIPELINE_STACK_HOME) ?? path.join(setting(env.XDG_CACHE_HOME) ?? path.join(os.homedir(), '.cache'), 'medallion-pipeline');
  return path.resolve(home);
}
