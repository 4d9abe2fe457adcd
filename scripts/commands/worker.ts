import type { Command } from 'commander';
import { startWorker } from '../../workers/worker';
import { action } from '../cli';

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .summary('Runs a pipeline worker on the configured task queue until interrupted')
    .description('Runs a pipeline worker on the configured task queue until interrupted. Several may run, on several machines.')
    .action(
      action(async (config) => {
        const worker = await startWorker(config);
        const stop = () => worker.shutdown();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        process.stderr.write(
          `worker running: task queue ${config.temporal.taskQueue}, namespace ${config.temporal.namespace}, lake ${config.lakeDir}\n`,
        );
        await worker.done;
      }),
    );
}
