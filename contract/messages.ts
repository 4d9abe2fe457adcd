/**
 * Signals, queries and updates, defined once and used by workflows, activities and the CLI.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { AlertingState, AlertReport } from './alerts';
import type { CutRef, PendingThrough } from './scheduled-run';
import type { RefreshOutcome, RefreshRequest } from './refresh';
import type { SettingChange, SettingsPatch } from './settings';
import type { BatchRef, ClientStatus, IngestStatus, ReplayOutcome, ReplayRequest } from './types';

/** The ingest hands a client its slice of a raw batch. */
export const batchReadySignal = defineSignal<[BatchRef]>('batchReady');
export const pauseSignal = defineSignal<[{ reason?: string }]>('pause');
export const resumeSignal = defineSignal<[]>('resume');
/**
 * A failure that concerns this client, reported by an operator or an outside monitor: recorded in
 * pipeline_errors, shown, and alerted. `layer` says where it happened (default `signal`).
 */
export const failureSignal = defineSignal<[{ error: string; batchId?: string; layer?: string }]>('failure');
/** Stop after the batch in flight (client: keep the queue; ingest: seal and hand over the raw batch). */
export const stopSignal = defineSignal<[{ reason?: string }]>('stop');
/** Undoes a stop: a stopped client goes on with its queue; a stop not yet reached is cancelled. */
export const startSignal = defineSignal<[]>('start');
export const statusQuery = defineQuery<ClientStatus>('status');
/** How much of a client's queue lies at or before a cut: how a scheduled run knows when to stop it. */
export const pendingThroughQuery = defineQuery<PendingThrough, [CutRef]>('pendingThrough');
export const replayBatchesUpdate = defineUpdate<ReplayOutcome[], [ReplayRequest]>('replayBatches');

/** New settings for a running workflow (client or ingest), from its next batch; answers what changed. */
export const applySettingsUpdate = defineUpdate<SettingChange[], [SettingsPatch]>('applySettings');
/** The settings a workflow runs with now (the fields it holds). */
export const settingsQuery = defineQuery<SettingsPatch>('settings');
/** Rebuilds the client's tables from kafka_raw_bronze while its batches go on; answers once switched. */
export const refreshUpdate = defineUpdate<RefreshOutcome, [RefreshRequest]>('refresh');

export const ingestStatusQuery = defineQuery<IngestStatus>('ingestStatus');

/** A failure or recovery, sent to the target's alerting workflow (by signal-with-start). */
export const alertReportSignal = defineSignal<[AlertReport]>('alertReport');
export const alertingStateQuery = defineQuery<AlertingState>('alertingState');
