/**
 * The workflow-logic tier: the real workflow code on the real Temporal dev server, with the
 * activities replaced by `StubActivities`. Each test file gets its own task queue and in-process
 * worker, and the workflow bundle is built once, so a test takes seconds.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import type { WorkflowBundle } from '@temporalio/worker';
import { loadConfig } from '../../config/load';
import { connectClient, temporalConnectionOptions } from '../../adapters/temporal/client';
import { ingestTaskQueue } from '../../contract/ids';
import { batchReadySignal, statusQuery } from '../../contract/messages';
import { DEFAULT_RULE_ACTIONS } from '../../contract/rules';
import type { PipelineActivities } from '../../contract/activities';
import type { BatchRef, ClientPipelineInput, ClientStatus } from '../../contract/types';
import type { clientPipeline } from '../../workflows';
import { portOpen } from '../../scripts/stack/stack';
import { waitFor } from '../helpers';

/**
 * How long a logic test waits for a workflow to get somewhere. Generous on purpose: a loaded
 * machine slows every workflow task, and a wait that gives up early fails a correct workflow.
 * A healthy run takes a fraction of a second per wait.
 */
export const PATIENCE_MS = 120_000;
import { StubActivities } from './stub-activities';

// Workflow warnings (a batch failing is what these tests are about) would drown the test output.
Runtime.install({ logger: new DefaultLogger('ERROR') });

const ROOT = path.resolve(__dirname, '..', '..');
let bundle: Promise<WorkflowBundle> | undefined;

/** Every source the workflow bundle can hold, and the SDK version: the bundle's cache key. */
function sourceHash(): string {
  const hash = createHash('sha256');
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = path.join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.ts')) hash.update(p).update(readFileSync(p));
    }
  };
  for (const dir of ['workflows', 'contract', 'domain']) walk(path.join(ROOT, dir));
  hash.update(readFileSync(require.resolve('@temporalio/workflow/package.json')));
  return hash.digest('hex').slice(0, 16);
}

/**
 * The workflows, bundled once: the first test file of a run builds the bundle, later ones (and
 * later runs, until a source changes) read it back.
 */
function workflowBundle(): Promise<WorkflowBundle> {
  bundle ??= (async () => {
    const prefix = 'pipeline-workflow-bundle-';
    const file = path.join(os.tmpdir(), `${prefix}${sourceHash()}.js`);
    if (existsSync(file)) return { code: readFileSync(file, 'utf8') };
    for (const old of readdirSync(os.tmpdir()).filter((f) => f.startsWith(prefix))) rmSync(path.join(os.tmpdir(), old), { force: true });
    const built = await bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), logger: new DefaultLogger('ERROR') });
    // Written aside and renamed, so a test file running alongside never reads half a bundle.
    const partial = `${file}.${process.pid}`;
    writeFileSync(partial, built.code);
    renameSync(partial, file);
    return built;
  })();
  return bundle;
}

export const batch = (seq: number, records = 10, topic = 't'): BatchRef => ({ topic, seq, batchId: `${topic}.${seq}`, records });

export interface LogicHarness {
  temporal: Client;
  stubs: StubActivities;
  taskQueue: string;
  /** Starts a client workflow on this harness's worker. */
  startClient(clientId: string, input?: Partial<ClientPipelineInput>): Promise<WorkflowHandle<typeof clientPipeline>>;
  /** Polls the workflow's status until `done` holds, and returns that status. */
  statusWhen(handle: WorkflowHandle, what: string, done: (s: ClientStatus) => boolean): Promise<ClientStatus>;
  send(handle: WorkflowHandle, ...batches: BatchRef[]): Promise<void>;
  /** Stops the workflows, the worker and the connections. */
  close(): Promise<void>;
}

/** `activities` replaces stubs, e.g. the ingest's, which the stubs leave out. */
export async function startLogicHarness(activities: Partial<PipelineActivities> = {}): Promise<LogicHarness> {
  const config = loadConfig();
  const [host, port] = config.temporal.address.split(':');
  if (!(await portOpen(Number(port), host))) {
    throw new Error(
      `Temporal at ${config.temporal.address} not reachable: run the tests with \`npm test\` (it starts the stack) or run \`pipeline stack up\` first`,
    );
  }
  const taskQueue = `logic-${randomBytes(4).toString('hex')}`;
  const stubs = new StubActivities();
  const temporal = await connectClient(config);
  const connection = await NativeConnection.connect(temporalConnectionOptions(config.temporal));
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: { ...stubs.activities(), ...activities },
    // Cancellation reaches an activity with its next heartbeat: let it through at once.
    maxHeartbeatThrottleInterval: 50,
    shutdownGraceTime: '2 seconds',
  });
  // The ingest's activities have a task queue of their own, as in the real worker.
  const ingestWorker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: ingestTaskQueue(taskQueue),
    activities: { ...stubs.activities(), ...activities },
    shutdownGraceTime: '2 seconds',
  });
  const running = Promise.all([worker.run(), ingestWorker.run()]);
  const started: WorkflowHandle[] = [];

  return {
    temporal,
    stubs,
    taskQueue,
    async startClient(clientId, input = {}) {
      const handle = await temporal.workflow.start<typeof clientPipeline>('clientPipeline', {
        taskQueue,
        workflowId: `${taskQueue}-${clientId}`,
        args: [{ clientId, ruleActions: DEFAULT_RULE_ACTIONS, ...input }],
      });
      started.push(handle);
      return handle;
    },
    async statusWhen(handle, what, done) {
      let last: ClientStatus | undefined;
      try {
        return await waitFor(
          what,
          async () => {
            last = await handle.query(statusQuery);
            return done(last) ? last : null;
          },
          PATIENCE_MS,
          100,
        );
      } catch (e) {
        throw new Error(`${(e as Error).message}; last status: ${JSON.stringify(last)}`, { cause: e });
      }
    },
    async send(handle, ...batches) {
      for (const b of batches) await handle.signal(batchReadySignal, b);
    },
    async close() {
      for (const handle of started) await handle.terminate('test finished').catch(() => undefined);
      stubs.releaseAll();
      worker.shutdown();
      ingestWorker.shutdown();
      await running;
      await connection.close();
      await temporal.connection.close();
    },
  };
}
