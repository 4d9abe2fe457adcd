/**
 * Ingest activities built on a temporary lake with stand-ins for Kafka and Temporal: enough for
 * everything that reads or writes only `_ingest/` (recovery, retries answered from the done file,
 * refusing stale or damaged files). Any use of Kafka fails the test.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DuckDBInstance } from '@duckdb/node-api';
import type { Client } from '@temporalio/client';
import type { Kafka } from 'kafkajs';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createIngestActivities } from '../../activities/ingest';
import type { TopicStreams } from '../../adapters/kafka/topic-stream';
import type { TopicOffsets } from '../../adapters/kafka/kafka';
import { loadConfig, DEFAULT_CONFIG_FILE } from '../../config/load';
import { DEFAULT_RULE_ACTIONS } from '../../contract/rules';
import type { IngestBatchInput, IngestBatchResult, IngestSettings, PartitionOffsets } from '../../contract/types';
import { LakeLayout } from '../../domain/lake-layout';

export const TOPIC = 'events';

const noKafka = (): never => {
  throw new Error('this test must not reach Kafka');
};

/** In memory where the system has it: a lake of 150,000 files takes a minute on a busy disk. */
const FAST_TMP = existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();

export function fileOnlyIngest() {
  const lakeRoot = mkdtempSync(path.join(FAST_TMP, 'lake-ingest-files-'));
  const config = loadConfig({ env: { ...process.env, PIPELINE_CONFIG: DEFAULT_CONFIG_FILE, PIPELINE_TARGET: 'dev', PIPELINE_LAKE_ROOT: lakeRoot } });
  const layout = new LakeLayout(config.lakeDir);
  const offsets = { watermarks: noKafka, commitGroupOffsetsInBackground: () => undefined } as unknown as TopicOffsets;
  const activities = createIngestActivities({
    config,
    lakeId: 'lake-1',
    kafka: { consumer: noKafka, admin: noKafka } as unknown as Kafka,
    offsets,
    streams: { of: noKafka } as unknown as TopicStreams,
    db: {} as DuckDBInstance,
    temporal: {} as Client,
  });
  const settings: IngestSettings = {
    topic: TOPIC,
    maxMessages: 100,
    maxWaitMs: 10,
    clients: { known: ['acme'], autoDiscover: false },
    ruleActions: DEFAULT_RULE_ACTIONS,
    workflowIdPrefix: 'p',
    taskQueue: 'q',
    lakeId: 'lake-1',
  };
  mkdirSync(layout.ingestDir(TOPIC), { recursive: true });
  return {
    layout,
    activities,
    settings,
    ingestBatch: (seq: number, nextOffsets: PartitionOffsets = {}): Promise<IngestBatchResult> =>
      new MockActivityEnvironment({ startToCloseTimeoutMs: 5 * 60_000 }).run(activities.ingestBatch, {
        settings,
        seq,
        nextOffsets,
        stopAt: null,
      } satisfies IngestBatchInput),
    /** A done file as an ingest writes it. */
    writeDone(seq: number, nextOffsets: PartitionOffsets): void {
      const batchId = `${TOPIC}.${String(seq).padStart(9, '0')}`;
      const ranges = [{ partition: 0, from: String(seq * 10), until: String(seq * 10 + 10) }];
      const manifest = {
        topic: TOPIC,
        seq,
        batchId,
        ranges,
        nextOffsets,
        messages: 10,
        unroutable: 0,
        clients: { acme: 10 },
        completedAt: '2026-11-20T10:00:00.000Z',
      };
      writeFileSync(layout.doneFile(TOPIC, seq), JSON.stringify(manifest));
      writeFileSync(
        layout.planFile(TOPIC, seq),
        JSON.stringify({ topic: TOPIC, seq, batchId, ranges, nextOffsets, plannedAt: '2026-11-20T10:00:00.000Z' }),
      );
    },
    cleanup: () => rmSync(lakeRoot, { recursive: true, force: true }),
  };
}
