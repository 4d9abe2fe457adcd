/**
 * The workflow-logic tier: the real workflow code on the real Temporal dev server, with the
 * activities replaced by `StubActivities`. Each test gets its own task queue and in-process
 * worker; the workflow bundle is built once per test file, so a test takes seconds.
 */
import { randomBytes } from 'node:crypto';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import type { WorkflowBundle } from '@temporalio/worker';
import { loadConfig } from '../../config/load';
import { connectClient } from '../../adapters/temporal/client';
import { batchReadySignal, statusQuery } from '../../contract/messages';
import { DEFAULT_RULE_ACTIONS } from '../../contract/rules';
import type { BatchRef, ClientPipelineInput, ClientStatus } from '../../contract/types';
import type { clientPipeline } from '../../workflows';
import { portOpen } from '../../scripts/stack/stack';
import { waitFor } from '../helpers';
import { StubActivities } from './stub-activities';

// Workflow warnings (a batch failing is what these tests are about) would drown the test output.
Runtime.install({ logger: new DefaultLogger('ERROR') });

let bundle: Promise<WorkflowBundle> | undefined;

/** The workflows, bundled once for the whole test file. */
function workflowBundle(): Promise<WorkflowBundle> {
  bundle ??= bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), logger: new DefaultLogger('ERROR') });
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

export async function startLogicHarness(): Promise<LogicHarness> {
  const config = loadConfig();
  const [host, port] = config.temporal.address.split(':');
  if (!(await portOpen(Number(port), host))) {
    throw new Error(`Temporal at ${config.temporal.address} not reachable: run the tests with \`npm test\` (it starts the stack) or run \`pipeline stack up\` first`);
  }
  const taskQueue = `logic-${randomBytes(4).toString('hex')}`;
  const stubs = new StubActivities();
  const temporal = await connectClient(config);
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: stubs.activities(),
    // Cancellation reaches an activity with its next heartbeat: let it through at once.
    maxHeartbeatThrottleInterval: 50,
    shutdownGraceTime: '2 seconds',
  });
  const running = worker.run();
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
    statusWhen: (handle, what, done) =>
      waitFor(
        what,
        async () => {
          const s = await handle.query(statusQuery);
          return done(s) ? s : null;
        },
        30_000,
        100,
      ),
    async send(handle, ...batches) {
      for (const b of batches) await handle.signal(batchReadySignal, b);
    },
    async close() {
      for (const handle of started) await handle.terminate('test finished').catch(() => undefined);
      stubs.releaseAll();
      worker.shutdown();
      await running;
      await connection.close();
      await temporal.connection.close();
    },
  };
}
