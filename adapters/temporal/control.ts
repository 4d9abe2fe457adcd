/**
 * Operator actions against Temporal, one module per job. Used by the CLI, `npm start` and the
 * tests, so all of them drive the pipeline the same way.
 */
export { ingestSettings, startPipeline } from './start';
export type { StartedWorkflow } from './start';
export { pipelineStatus } from './status';
export type { ClientReport, StatusReport } from './status';
export { pauseClient, replayBatches, resumeClient } from './client-signals';
export { stopPipeline } from './stop';
export type { StoppedWorkflow } from './stop';
export { liveClientStates } from './live-states';
