/**
 * All activities, built from the IO handles the worker owns. Workflows import only the type.
 */
import type { DuckDBInstance } from '@duckdb/node-api';
import type { Client } from '@temporalio/client';
import type { Kafka } from 'kafkajs';
import type { ResolvedConfig } from '../lib/config/schema';
import type { TopicOffsets } from '../lib/kafka';
import { createBronzeActivities } from './bronze';
import { createFailureActivities } from './failures';
import { createGoldActivities } from './gold';
import { createIngestActivities } from './ingest';
import { createSilverActivities } from './silver';

export interface ActivityDeps {
  config: ResolvedConfig;
  /** Identity of config.lakeDir, read once at worker start. */
  lakeId: string;
  kafka: Kafka;
  offsets: TopicOffsets;
  db: DuckDBInstance;
  temporal: Client;
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...createIngestActivities(deps),
    ...createBronzeActivities(deps),
    ...createSilverActivities(deps),
    ...createGoldActivities(deps),
    ...createFailureActivities(deps),
  };
}
