import { loadConfig } from '../../config/load';
import { startWorker } from '../../workers/worker';
import { defineCommand } from '../cli';

export const workerCommand = defineCommand({
  name: 'worker',
  usage: 'worker',
  summary: 'Runs a pipeline worker on the configured task queue until interrupted. Several may run, on several machines.',
  options: {},
  optionHelp: {},
  async run() {
    const config = loadConfig();
    const worker = await startWorker(config);
    const stop = () => worker.shutdown();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    process.stderr.write(`worker running: task queue ${config.temporal.taskQueue}, namespace ${config.temporal.namespace}, lake ${config.lakeDir}\n`);
    await worker.done;
  },
});
