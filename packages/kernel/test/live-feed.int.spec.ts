import type { Redis } from 'ioredis';
import { redisNamespace, REDIS_URL, waitFor } from '@supergraph/testing';
import { envelope, EventEnvelope, newId } from '../src/events/envelope';
import { LiveFeed, LiveFeedOptions } from '../src/live/live-feed';
import { createRedis, eventStream } from '../src/redis';
import { publish, redisReady, silentLogger } from './fixtures';

type Said = { roomId: string; text: string };

/** An envelope of a `Said`-like event in `roomId` (as the `chat` context's relay would publish it). */
const said = (roomId: string, text: string, type = 'MessageSaid'): EventEnvelope<Said> =>
  envelope({ type, aggregateType: 'Room', aggregateId: roomId, aggregateVersion: 1, payload: { roomId, text } }, 'chat', { correlationId: newId(), causationId: null }) as EventEnvelope<Said>;

describe('LiveFeed (Redis)', () => {
  const ns = redisNamespace();
  const stream = eventStream(ns.namespace, 'chat');
  let redis: Redis;
  const feeds: LiveFeed<Said>[] = [];

  /** A started feed of `stream` dispatching `MessageSaid` by room; stopped after each test. */
  const startFeed = async (options: Partial<LiveFeedOptions<Said>> = {}) => {
    const feed = new LiveFeed<Said>(redis, silentLogger, { stream, types: ['MessageSaid'], key: (e) => e.payload.roomId, blockMs: 200, ...options });
    feeds.push(feed);
    feed.start();
    await feed.ready();
    return feed;
  };
  /** Listens to `roomId` on `feed`, recording the texts. */
  const record = (feed: LiveFeed<Said>, roomId: string) => {
    const texts: string[] = [];
    const unlisten = feed.listen(roomId, (event) => void texts.push(event.payload.text));
    return { texts, unlisten };
  };

  beforeAll(async () => {
    redis = createRedis(REDIS_URL, { failFast: false });
    await redisReady(redis);
  });
  afterEach(async () => {
    await Promise.all(feeds.splice(0).map((feed) => feed.stop()));
  });
  afterAll(async () => {
    redis.disconnect();
    await ns.clear();
  });

  it('starts at the end of the stream and dispatches each chosen event to the listeners of its key only', async () => {
    const room = `room-${newId()}`;
    await publish(redis, stream, said(room, 'before the feed started'));
    const feed = await startFeed();
    const mine = record(feed, room);
    const twice = record(feed, room);
    const other = record(feed, `room-${newId()}`);
    await publish(redis, stream, said(room, 'one'));
    await publish(redis, stream, said(room, 'ignored type', 'MessageEdited'));
    await publish(redis, stream, said(room, 'two'));
    await waitFor('both messages', () => mine.texts.length === 2);
    expect(mine.texts).toEqual(['one', 'two']);
    expect(twice.texts).toEqual(['one', 'two']);
    expect(other.texts).toEqual([]);
  });

  it('every replica’s feed sees every entry (no consumer group)', async () => {
    const room = `room-${newId()}`;
    const [a, b] = [await startFeed(), await startFeed()];
    const [seenByA, seenByB] = [record(a, room), record(b, room)];
    for (const text of ['x', 'y', 'z']) await publish(redis, stream, said(room, text));
    await waitFor('both feeds to see all three', () => seenByA.texts.length === 3 && seenByB.texts.length === 3);
    expect(seenByA.texts).toEqual(['x', 'y', 'z']);
    expect(seenByB.texts).toEqual(['x', 'y', 'z']);
  });

  it('unlisten stops delivery and forgets the key; listenerCount counts by key and in all', async () => {
    const room = `room-${newId()}`;
    const feed = await startFeed();
    const first = record(feed, room);
    const second = record(feed, room);
    record(feed, `room-${newId()}`);
    expect([feed.listenerCount(room), feed.listenerCount()]).toEqual([2, 3]);
    first.unlisten();
    first.unlisten(); // idempotent
    expect([feed.listenerCount(room), feed.listenerCount()]).toEqual([1, 2]);
    await publish(redis, stream, said(room, 'after unlisten'));
    await waitFor('the remaining listener', () => second.texts.length === 1);
    expect(first.texts).toEqual([]);
    second.unlisten();
    expect(feed.listenerCount(room)).toBe(0);
  });

  it('a throwing listener or key function does not stop the loop nor the other listeners', async () => {
    const room = `room-${newId()}`;
    const feed = await startFeed({ key: (e) => (e.payload.text === 'no key' ? (null as never as { x: string }).x : e.payload.roomId) });
    feed.listen(room, () => {
      throw new Error('listener bug');
    });
    const healthy = record(feed, room);
    await publish(redis, stream, said(room, 'first'));
    await publish(redis, stream, said(room, 'no key'));
    await redis.xadd(stream, '*', 'type', 'MessageSaid', 'envelope', '{not json');
    await publish(redis, stream, said(room, 'second'));
    await waitFor('both healthy deliveries', () => healthy.texts.length === 2);
    expect(healthy.texts).toEqual(['first', 'second']);
  });

  it('drops a republished copy of an envelope it already dispatched (at-least-once relay)', async () => {
    const room = `room-${newId()}`;
    const feed = await startFeed();
    const seen = record(feed, room);
    const once = said(room, 'once');
    await publish(redis, stream, once);
    await publish(redis, stream, once);
    await publish(redis, stream, said(room, 'marker'));
    await waitFor('the marker', () => seen.texts.includes('marker'));
    expect(seen.texts).toEqual(['once', 'marker']);
  });

  it('continues from its last entry after its connection drops: entries added during the reconnect are not missed', async () => {
    const room = `room-${newId()}`;
    const feed = await startFeed();
    const seen = record(feed, room);
    await publish(redis, stream, said(room, 'before'));
    await waitFor('the first entry', () => seen.texts.length === 1);

    const clients = (await redis.client('LIST')) as string;
    const reader = clients.split('\n').find((line) => line.includes(` name=live:${stream} `));
    expect(reader).toBeDefined();
    await redis.client('KILL', 'ID', /\bid=(\d+)/.exec(reader!)![1]);
    for (const text of ['during 1', 'during 2']) await publish(redis, stream, said(room, text));

    await waitFor('the entries added while it reconnected', () => seen.texts.length === 3, 10_000);
    expect(seen.texts).toEqual(['before', 'during 1', 'during 2']);
  });

  it('stop() cuts the blocked read at once; ready() resolves after stop even when it never read', async () => {
    const feed = await startFeed({ blockMs: 30_000 });
    const started = Date.now();
    await feed.stop();
    expect(Date.now() - started).toBeLessThan(1000);

    const neverStarted = new LiveFeed<Said>(redis, silentLogger, { stream, types: ['MessageSaid'], key: (e) => e.payload.roomId });
    await neverStarted.stop();
    await expect(neverStarted.ready()).resolves.toBeUndefined();
  });
});
