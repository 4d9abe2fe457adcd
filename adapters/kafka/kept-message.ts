/**
 * What the ingest's reader keeps of each message it reads ahead, and how much it reads ahead: a
 * value over the size limit is summarized as it arrives, so it is never held whole.
 */
import { createHash } from 'node:crypto';
import type { KafkaMessage } from 'kafkajs';
import type { ResolvedConfig } from '../../config/schema';
import type { RawMessage } from '../../domain/router';

export interface StreamLimits {
  /** Values over this are summarized as they arrive (size, hash, first bytes), never kept whole. */
  maxMessageBytes: number;
  /** Bytes of an oversized value kept for its error row. */
  headBytes: number;
  /** Bytes read ahead before the consumer pauses: about a batch's worth. */
  readAheadBytes: number;
}

export function streamLimits(config: Pick<ResolvedConfig, 'limits' | 'batch'>): StreamLimits {
  const { maxMessageBytes, rawValueChars } = config.limits;
  // Four bytes per character at most in UTF-8: enough for the error row's raw value.
  return { maxMessageBytes, headBytes: Math.min(rawValueChars * 4, maxMessageBytes), readAheadBytes: config.batch.maxBytes };
}

/** A message as the stream keeps it: a value over the limit is replaced by its summary at once. */
export function keptMessage(partition: number, m: KafkaMessage, limits: Pick<StreamLimits, 'maxMessageBytes' | 'headBytes'>): RawMessage {
  const kept: RawMessage = { partition, offset: m.offset, key: m.key ?? null, value: m.value ?? null, timestamp: m.timestamp };
  if (m.value && m.value.length > limits.maxMessageBytes) {
    kept.value = null;
    // A copy: a slice would keep the whole fetch response alive.
    kept.oversized = {
      bytes: m.value.length,
      sha256: createHash('sha256').update(m.value).digest('hex'),
      head: Buffer.from(m.value.subarray(0, limits.headBytes)),
    };
  }
  return kept;
}
