import type { Redis } from 'ioredis';
import { redisNamespace, REDIS_URL } from '@supergraph/testing';
import { newId } from '../src/events/envelope';
import { trimStream } from '../src/events/stream-trim';
import { createRedis } from '../src/redis';
import { redisReady } from './fixtures';

/**
 * `trimStream` removes only entries every consumer group acknowledged and older than the
 * retention. Entry ids are given explicitly (`<ms>-<seq>`) so their age is known: entry `n` was
 * added at `n * 1000` ms, and the tests pass `now` themselves.
 */
describe('trimStream (Redis)', () => {
  const ns = redisNamespace();
  let redis: Redis;
  const NOW = 100_000;

  /** A stream with entries `1000-0` … `<n * 1000>-0`. */
  async function streamWith(n: number): Promise<string> {
    const stream = `${ns.namespace}trim-${newId().slice(-8)}.events`;
    for (let i = 1; i <= n; i += 1) await redis.xadd(stream, `${i * 1000}-0`, 'type', 'T', 'envelope', `{"n":${i}}`);
    return stream;
  }
  const ids = async (stream: string) => (await redis.xrange(stream, '-', '+')).map(([id]) => id);
  /** Creates `group` at `0` and delivers it `count` entries (as `c1`); acknowledges the first `acked` of them. */
  async function groupAt(stream: string, group: string, count: number, acked: number): Promise<void> {
    await redis.xgroup('CREATE', stream, group, '0');
    if (count === 0) return;
    const reply = (await redis.xreadgroup('GROUP', group, 'c1', 'COUNT', count, 'STREAMS', stream, '>')) as [string, [string, string[]][]][];
    const delivered = reply[0][1].map(([id]) => id);
    if (acked > 0) await redis.xack(stream, group, ...delivered.slice(0, acked));
  }

  beforeAll(async () => {
    redis = createRedis(REDIS_URL);
    await redisReady(redis);
  });
  afterAll(async () => {
    redis?.disconnect();
    await ns.clear();
  });

  it('a stream without groups is trimmed by retention only: entries younger than it stay', async () => {
    const stream = await streamWith(5);
    expect(await trimStream(redis, stream, NOW - 3000, NOW)).toEqual({ stream, minId: '3000-0', trimmed: 2 });
    expect(await ids(stream)).toEqual(['3000-0', '4000-0', '5000-0']);
  });

  it('entries acknowledged by every group and older than the retention are trimmed', async () => {
    const stream = await streamWith(5);
    await groupAt(stream, 'a', 5, 5);
    await groupAt(stream, 'b', 5, 5);
    expect(await trimStream(redis, stream, 1, NOW)).toMatchObject({ trimmed: 5 });
    expect(await ids(stream)).toEqual([]);
  });

  it('entries pending in a group are kept, and everything after the first of them', async () => {
    const stream = await streamWith(5);
    await groupAt(stream, 'a', 5, 5);
    await groupAt(stream, 'b', 4, 1); // acked 1000-0; 2000-0 … 4000-0 pending
    await redis.xack(stream, 'b', '3000-0'); // acknowledged, but after a pending one
    expect(await trimStream(redis, stream, 1, NOW)).toEqual({ stream, minId: '2000-0', trimmed: 1 });
    expect(await ids(stream)).toEqual(['2000-0', '3000-0', '4000-0', '5000-0']);
  });

  it('a lagging group keeps everything after its position (delivered and acknowledged up to it)', async () => {
    const stream = await streamWith(5);
    await groupAt(stream, 'fast', 5, 5);
    await groupAt(stream, 'slow', 2, 2);
    expect(await trimStream(redis, stream, 1, NOW)).toEqual({ stream, minId: '2000-1', trimmed: 2 });
    expect(await ids(stream)).toEqual(['3000-0', '4000-0', '5000-0']);
  });

  it('a group that has read nothing keeps the whole stream', async () => {
    const stream = await streamWith(3);
    await groupAt(stream, 'done', 3, 3);
    await groupAt(stream, 'new', 0, 0);
    expect(await trimStream(redis, stream, 1, NOW)).toMatchObject({ minId: '0-1', trimmed: 0 });
    expect(await ids(stream)).toHaveLength(3);
  });

  it('the retention floor wins over groups that are further ahead', async () => {
    const stream = await streamWith(5);
    await groupAt(stream, 'a', 5, 5);
    expect(await trimStream(redis, stream, NOW - 4000, NOW)).toMatchObject({ minId: '4000-0', trimmed: 3 });
    expect(await ids(stream)).toEqual(['4000-0', '5000-0']);
  });

  it('a stream that does not exist is left alone', async () => {
    const stream = `${ns.namespace}missing.events`;
    expect(await trimStream(redis, stream, 1, NOW)).toEqual({ stream, minId: null, trimmed: 0 });
    expect(await redis.exists(stream)).toBe(0);
  });
});
