// Every workflow the worker registers. Deterministic code only: no Node builtins, no IO.
export { clientPipeline } from './client-pipeline';
export { ingest } from './ingest';
export { alerting } from './alerting';
export { scheduledRun } from './scheduled-run';
