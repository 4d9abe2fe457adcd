/**
 * The IO handles activities are built from. The worker opens them once and injects them; each
 * stage's factory takes what it needs of this one type.
 */
import type { DuckDBInstance } from '@duckdb/node-api';
import type { Client } from '@temporalio/client';
import type { Kafka } from 'kafkajs';
import type { TopicOffsets } from '../adapters/kafka/kafka';
import type { TopicStreams } from '../adapters/kafka/topic-stream';
import type { ResolvedConfig } from '../config/schema';
import type { ClientQueueLoad } from './client-load';

export interface ActivityDeps {
  config: ResolvedConfig;
  /** Identity of config.lakeDir, read once at worker start. */
  lakeId: string;
  kafka: Kafka;
  offsets: TopicOffsets;
  /** Long-lived readers of the topics this worker ingests. */
  streams: TopicStreams;
  db: DuckDBInstance;
  temporal: Client;
  /** How busy this worker's clients' queue is: the ingest holds batches open while it is busy. Without it, never. */
  clientLoad?: ClientQueueLoad;
}

/** What the activities that read and write one client's tables need. */
export type LakeDeps = Pick<ActivityDeps, 'config' | 'db' | 'lakeId'>;
