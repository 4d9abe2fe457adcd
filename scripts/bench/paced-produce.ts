/**
 * Demo messages at a steady rate: every tick, the messages due since the start (rate × elapsed)
 * that are not sent yet. A send slower than a tick is made up at the next one, so the rate holds
 * over the run instead of drifting down with every slow send.
 */
import type { Kafka } from 'kafkajs';
import { openProducer } from '../../adapters/kafka/produce';
import { generateDemo } from '../../domain/demo';

export interface PacedProduce {
  messages: number;
  startMs: number;
  endMs: number;
  seconds: number;
  perSecond: number;
  sends: number;
  meanSendMs: number;
  maxSendMs: number;
  /** How far the sends fell behind the schedule at worst (0 when every tick kept up). */
  maxBehindMs: number;
}

export const TICK_MS = 100;

export async function producePaced(
  kafka: Kafka,
  topic: string,
  options: { rate: number; seconds: number; clients: number; say: (line: string) => void },
): Promise<PacedProduce> {
  const { rate, seconds, clients } = options;
  const total = Math.round(rate * seconds);
  const startMs = Date.now();
  let sent = 0;
  let sends = 0;
  let sendMs = 0;
  let maxSendMs = 0;
  let maxBehindMs = 0;
  let nextReport = startMs + 10_000;
  const producer = await openProducer(kafka, topic);
  try {
    for (let tick = 1; sent < total; tick++) {
      const dueAt = startMs + tick * TICK_MS;
      const wait = dueAt - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      maxBehindMs = Math.max(maxBehindMs, -wait);
      const due = Math.min(total, Math.round((rate * (Date.now() - startMs)) / 1000));
      if (due <= sent) continue;
      // Generated chunk by chunk, each with its own seed: the run's messages never sit in the
      // worker's process all at once, whose memory is what is measured.
      // Event times follow the clock, as in live traffic (each chunk spans its 100 ms, with the
      // demo's jitter of ±30 minutes and 3 % of records late by 3–6 hours), rather than all
      // falling in the same six hours, which would make every run recompute all of gold.
      const chunk = generateDemo({ count: due - sent, clients, seed: 7 + tick, startMs: Date.now(), spreadMs: TICK_MS });
      const t = Date.now();
      await producer.send(chunk);
      const took = Date.now() - t;
      sends += 1;
      sendMs += took;
      maxSendMs = Math.max(maxSendMs, took);
      sent = due;
      if (Date.now() >= nextReport) {
        options.say(`  producing: ${sent} of ${total} messages, ${Math.round((Date.now() - startMs) / 1000)} s`);
        nextReport += 10_000;
      }
    }
  } finally {
    await producer.close();
  }
  const endMs = Date.now();
  const took = (endMs - startMs) / 1000;
  return {
    messages: sent,
    startMs,
    endMs,
    seconds: took,
    perSecond: Math.round(sent / took),
    sends,
    meanSendMs: Math.round(sendMs / Math.max(1, sends)),
    maxSendMs,
    maxBehindMs,
  };
}
