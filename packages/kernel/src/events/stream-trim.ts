import type { Redis } from 'ioredis';
import { fieldsOf } from '../redis';

/** What `trimStream` did to one stream. */
export interface StreamTrim {
  stream: string;
  /**
   * The `XTRIM … MINID` threshold used: entries with a smaller id were removed, entries with this
   * id or a larger one kept. Null when the stream does not exist (nothing to trim).
   */
  minId: string | null;
  /** Entries removed. */
  trimmed: number;
}

/**
 * Trims `stream` only past what every consumer group acknowledged, keeping at least the last
 * `retentionMs` of history. Redis docs: XINFO GROUPS, XPENDING (summary form), XTRIM (`MINID`,
 * exact: removes the entries whose id is lower than the threshold).
 *
 * For each group (XINFO GROUPS) the first id it still needs is
 * - the smallest id pending in the group (XPENDING summary) when it has pending entries: they
 *   are delivered but not acknowledged, and may be claimed or read again;
 * - else the id right after its `last-delivered-id`: everything up to it was delivered and
 *   acknowledged, everything after it is still to be delivered (a group created at `0` that read
 *   nothing keeps the whole stream).
 * The threshold is the smallest of these and of the retention floor `<now - retentionMs>-0`
 * (entry ids start with their creation time in ms), so entries younger than `retentionMs` always
 * stay, for readers outside groups (the live feeds' XREAD, which only follow the stream's end) and
 * for a group added later (created at `0`, it still reads the retained history). A stream without
 * groups is trimmed by retention only.
 *
 * A group created between the XINFO and the XTRIM is not waited for; it starts from what is left,
 * as if it had been created just after the trim. Several replicas trimming at once is harmless
 * (each XTRIM only removes entries every group is done with).
 *
 * @param retentionMs minimum age, in ms, of an entry before it may be trimmed.
 * @param now the current time in ms since the epoch (tests pass their own).
 */
export async function trimStream(redis: Redis, stream: string, retentionMs: number, now = Date.now()): Promise<StreamTrim> {
  if ((await redis.exists(stream)) === 0) return { stream, minId: null, trimmed: 0 };
  let minId = `${Math.max(0, now - retentionMs)}-0`;
  const groups = (await redis.xinfo('GROUPS', stream)) as unknown[][];
  for (const flat of groups) {
    const group = fieldsOf(flat);
    const name = String(group.name);
    const needed = Number(group.pending) > 0 ? await smallestPending(redis, stream, name) : nextId(String(group['last-delivered-id']));
    if (compareIds(needed, minId) < 0) minId = needed;
  }
  const trimmed = await redis.xtrim(stream, 'MINID', minId);
  return { stream, minId, trimmed };
}

/** The smallest pending id of `group` on `stream` (XPENDING summary: `[count, smallest, greatest, consumers]`); `0-0` if none after all. */
async function smallestPending(redis: Redis, stream: string, group: string): Promise<string> {
  const [, smallest] = (await redis.xpending(stream, group)) as [number, string | null, string | null, unknown];
  return smallest ?? '0-0';
}

/** A stream entry id `<ms>-<seq>` as numbers (bigint: both parts are 64-bit). */
function parseId(id: string): [bigint, bigint] {
  const [ms, seq = '0'] = id.split('-');
  return [BigInt(ms), BigInt(seq)];
}

/** Orders two stream entry ids: negative when `a` comes first, 0 when equal, positive after. */
function compareIds(a: string, b: string): number {
  const [aMs, aSeq] = parseId(a);
  const [bMs, bSeq] = parseId(b);
  if (aMs !== bMs) return aMs < bMs ? -1 : 1;
  if (aSeq !== bSeq) return aSeq < bSeq ? -1 : 1;
  return 0;
}

/** The largest sequence part of an entry id (Redis docs, "Streams": both parts are unsigned 64-bit). */
const MAX_SEQ = 2n ** 64n - 1n;

/** The smallest entry id after `id`: `<ms>-<seq + 1>`, or `<ms + 1>-0` after the last sequence number of `ms`. */
function nextId(id: string): string {
  const [ms, seq] = parseId(id);
  return seq === MAX_SEQ ? `${ms + 1n}-0` : `${ms}-${seq + 1n}`;
}
