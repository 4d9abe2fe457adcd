/**
 * The references that name lake files (topics, batch ids, sequence numbers), and the rules that
 * make them safe to build paths from. Pure. They come from the config and from signals and
 * activity inputs, so each is checked before any path is made of it.
 */
import { batchId } from './lake-layout';

/** Kafka's own rule for topic names; topics also name folders in the lake. */
const TOPIC_PATTERN = /^[A-Za-z0-9._-]{1,249}$/;

export const TOPIC_RULE = 'must be 1-249 characters of A-Z a-z 0-9 . _ - and neither "." nor ".."';

export function isValidTopic(topic: unknown): topic is string {
  return typeof topic === 'string' && TOPIC_PATTERN.test(topic) && topic !== '.' && topic !== '..';
}

/** A batch's sequence number within its topic: a non-negative safe integer. */
export function isValidSeq(seq: unknown): seq is number {
  return typeof seq === 'number' && Number.isSafeInteger(seq) && seq >= 0;
}

/** A value for an error message: bounded, since a crafted one may be any size. */
function shown(value: unknown): string {
  if (typeof value !== 'string') return String(value).slice(0, 80);
  return value.length > 80 ? `${JSON.stringify(value.slice(0, 80))}...` : JSON.stringify(value);
}

/** What is wrong with a reference to a topic's batch, or null when nothing is. */
export function batchRefProblem(ref: { topic: unknown; seq: unknown; batchId?: unknown; records?: unknown }): string | null {
  if (!isValidTopic(ref.topic)) return `topic ${shown(ref.topic)} ${TOPIC_RULE}`;
  if (!isValidSeq(ref.seq)) return `sequence number ${shown(ref.seq)} must be a non-negative whole number`;
  // The one name the ingest gives the batch: any other text is not a batch of this lake.
  if ('batchId' in ref && ref.batchId !== batchId(ref.topic, ref.seq)) {
    return `batch id ${shown(ref.batchId)} is not ${JSON.stringify(batchId(ref.topic, ref.seq))}, the id of batch #${ref.seq} of ${ref.topic}`;
  }
  if ('records' in ref && !isValidSeq(ref.records)) return `record count ${shown(ref.records)} must be a non-negative whole number`;
  return null;
}
