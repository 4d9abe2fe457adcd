import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Admin, Kafka } from 'kafkajs';
import { TopicOffsets } from '../../adapters/kafka/kafka';

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (v: T) => void;
  reject: (e: Error) => void;
}
function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

type Offsets = { partition: number; offset: string; high: string; low: string }[];

/**
 * A stand-in for kafkajs's admin client: every lookup waits until the test answers it, and every
 * call is written to `events`, so the order of lookups and disconnects can be checked.
 */
function fakeKafka() {
  const events: string[] = [];
  const lookups: Deferred<Offsets>[] = [];
  let opened = 0;
  let open = 0;
  const kafka = {
    admin: (): Admin => {
      const id = ++opened;
      let connected = false;
      return {
        connect: () => {
          connected = true;
          open += 1;
          events.push(`connect ${id}`);
          return Promise.resolve();
        },
        disconnect: () => {
          if (connected) open -= 1;
          connected = false;
          events.push(`disconnect ${id}`);
          return Promise.resolve();
        },
        fetchTopicOffsets: async () => {
          events.push(`lookup ${id}`);
          const answer = deferred<Offsets>();
          lookups.push(answer);
          const offsets = await answer.promise;
          // Like kafkajs: an admin disconnected under a request fails the request.
          if (!connected) throw new Error('The admin client was disconnected');
          events.push(`answer ${id}`);
          return offsets;
        },
      } as unknown as Admin;
    },
  } as unknown as Kafka;
  return {
    kafka,
    events,
    lookups,
    /** Admin connections opened and not disconnected. */
    open: () => open,
    opened: () => opened,
  };
}

const ANSWER: Offsets = [{ partition: 0, offset: '5', high: '5', low: '0' }];
const settle = () => new Promise((r) => setImmediate(r));

describe('TopicOffsets closing', () => {
  it('lets a lookup in flight finish before it disconnects', async () => {
    const fake = fakeKafka();
    const offsets = new TopicOffsets(fake.kafka);
    const lookup = offsets.watermarks('t');
    await settle();
    assert.equal(fake.lookups.length, 1);
    const closed = offsets.close();
    await settle();
    fake.lookups[0]!.resolve(ANSWER);
    assert.deepEqual(await lookup, [{ partition: 0, low: 0n, high: 5n }]);
    await closed;
    assert.deepEqual(fake.events, ['connect 1', 'lookup 1', 'answer 1', 'disconnect 1']);
    assert.equal(fake.open(), 0);
  });

  it('refuses a lookup after close, clearly, without opening a connection', async () => {
    const fake = fakeKafka();
    const offsets = new TopicOffsets(fake.kafka);
    const first = offsets.watermarks('t');
    await settle();
    fake.lookups[0]!.resolve(ANSWER);
    await first;
    await offsets.close();
    await assert.rejects(offsets.watermarks('t'), /closed/);
    assert.equal(fake.opened(), 1);
    assert.equal(fake.open(), 0);
  });

  it('refuses a lookup that starts while closing, and leaks no connection', async () => {
    const fake = fakeKafka();
    const offsets = new TopicOffsets(fake.kafka);
    const first = offsets.watermarks('t');
    await settle();
    const closed = offsets.close();
    const late = offsets.watermarks('t');
    fake.lookups[0]!.resolve(ANSWER);
    await assert.rejects(late, /closed/);
    await first;
    await closed;
    assert.equal(fake.opened(), 1);
    assert.equal(fake.open(), 0);
  });

  it('drops a failed connection without breaking lookups still using it, and reopens', async () => {
    const fake = fakeKafka();
    const offsets = new TopicOffsets(fake.kafka);
    const a = offsets.watermarks('t');
    const b = offsets.watermarks('t');
    await settle();
    assert.equal(fake.lookups.length, 2);
    fake.lookups[0]!.reject(new Error('broker went away'));
    await assert.rejects(a, /broker went away/);
    await settle();
    fake.lookups[1]!.resolve(ANSWER);
    assert.deepEqual(await b, [{ partition: 0, low: 0n, high: 5n }], 'the other lookup still gets its answer');
    await settle();
    assert.equal(fake.open(), 0, 'the failed connection is closed once idle');
    const c = offsets.watermarks('t');
    await settle();
    fake.lookups[2]!.resolve(ANSWER);
    await c;
    assert.equal(fake.opened(), 2, 'the next lookup reopens');
    await offsets.close();
    assert.equal(fake.open(), 0);
  });
});
