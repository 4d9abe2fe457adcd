import type { Command } from 'commander';
import { startWorker } from '../../workers/worker';
import { action } from '../cli';
import { onStopSignals } from '../stop-signals';

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .summary('Runs a pipeline worker on the configured task queue until interrupted')
    .description('Runs a pipeline worker on the configured task queue until interrupted. Several may run, on several machines.')
    .action(
      action(async (config) => {
        const worker = await startWorker(config);
        onStopSignals({
          stop: () => {
            process.stderr.write('worker stopping: finishing the activities it runs (Ctrl-C again to stop at once)\n');
            worker.shutdown();
          },
          force: () => {
            process.stderr.write('worker stopped at once: its activities in flight run again on another worker\n');
            process.exit(130);
          },
        });
        process.stderr.write(
          `worker running: task queue ${config.temporal.taskQueue}, namespace ${config.temporal.namespace}, lake ${config.lakeDir}\n`,
        );
        await worker.done;
      }),
    );
}
