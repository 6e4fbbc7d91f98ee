import { raw, type EntityManager, type FilterQuery } from '@mikro-orm/core';
import { ensure, invalidInput } from '@supergraph/kernel/domain';
import { Ticket } from '../../domain/ticket';

/** `tickets(...)` arguments (CONTRACT.md). */
export interface SearchTickets {
  search?: string | null;
  organizerId?: string | null;
  onSaleOnly?: boolean | null;
  /** Page size 1..100 (default 20). */
  first?: number | null;
  /** Opaque cursor of the last ticket of the previous page. */
  after?: string | null;
}

/** A page of tickets, newest first, in the Relay connection shape. */
export interface TicketPage {
  edges: { cursor: string; node: Ticket }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  totalCount: number;
}

const encodeCursor = (id: string) => Buffer.from(`ticket:${id}`).toString('base64url');

function decodeCursor(cursor: string): string {
  const decoded = Buffer.from(cursor, 'base64url').toString();
  if (!decoded.startsWith('ticket:')) throw invalidInput('after', 'is not a cursor of this list');
  return decoded.slice('ticket:'.length);
}

/**
 * The `LIKE` pattern matching values that contain `text` literally, for `LIKE ? ESCAPE '!'`:
 * `!`, `%` and `_` in `text` are escaped with `!`. An explicit escape character is the portable
 * way: SQLite's `LIKE` has no default one, PostgreSQL's and MySQL/MariaDB's is `\`.
 */
function containsPattern(text: string): string {
  return `%${text.replace(/[!%_]/g, (c) => `!${c}`)}%`;
}

/**
 * The filter `{ searchText LIKE pattern ESCAPE '!' }` (MikroORM has no operator with an escape
 * clause). A raw fragment used as a key is consumed by the query that reads it, so every query
 * needs a filter of its own.
 */
function searchTextContains(em: EntityManager, pattern: string): FilterQuery<Ticket> {
  const column = em.getMetadata(Ticket).properties.searchText.fieldNames[0];
  return { [raw((alias) => `${alias}.${column} like ? escape '!'`, [pattern])]: [] };
}

/**
 * Customer search (SPEC.md 1.3): text in title or venue (case-insensitive, `%`, `_` and every other
 * character matched literally), by organizer, on-sale only (not deleted and inside the sale
 * window). Ids are uuid v7, so id order is creation order and the cursor is the last id seen.
 * `totalCount` counts every match, not just the page. Throws `BAD_USER_INPUT` naming `first`,
 * `search` or `after`.
 */
export async function searchTickets(em: EntityManager, args: SearchTickets, now: Date = new Date()): Promise<TicketPage> {
  const first = ensure.intInRange('first', args.first ?? 20, 1, 100);
  const pattern = args.search?.trim() ? containsPattern(ensure.text('search', args.search, 200).toLowerCase()) : null;
  const before = args.after ? decodeCursor(args.after) : null;
  const matching = (): FilterQuery<Ticket> => {
    const where: FilterQuery<Ticket>[] = [];
    if (pattern) where.push(searchTextContains(em, pattern));
    if (args.organizerId) where.push({ organizerId: args.organizerId });
    if (args.onSaleOnly) {
      where.push({ status: 'ON_SALE' });
      where.push({ $or: [{ saleStartsAt: null }, { saleStartsAt: { $lte: now } }] });
      where.push({ $or: [{ saleEndsAt: null }, { saleEndsAt: { $gt: now } }] });
    }
    return where.length ? { $and: where } : {};
  };
  const page: FilterQuery<Ticket> = before ? { $and: [matching(), { id: { $lt: before } }] } : matching();
  const [rows, totalCount] = await Promise.all([
    em.find(Ticket, page, { orderBy: { id: 'desc' }, limit: first + 1 }),
    em.count(Ticket, matching()),
  ]);
  const nodes = rows.slice(0, first);
  const edges = nodes.map((node) => ({ cursor: encodeCursor(node.id), node }));
  return { edges, pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null }, totalCount };
}
