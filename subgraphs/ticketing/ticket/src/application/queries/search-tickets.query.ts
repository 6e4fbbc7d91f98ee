import type { EntityManager, FilterQuery } from '@mikro-orm/core';
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
 * Customer search (SPEC.md 1.3): text in title or venue (case-insensitive), by organizer, on-sale
 * only (not deleted and inside the sale window). Ids are uuid v7, so id order is creation order
 * and the cursor is the last id seen. `totalCount` counts every match, not just the page.
 */
export async function searchTickets(em: EntityManager, args: SearchTickets, now: Date = new Date()): Promise<TicketPage> {
  const first = ensure.intInRange('first', args.first ?? 20, 1, 100);
  const where: FilterQuery<Ticket>[] = [];
  if (args.search?.trim()) {
    const text = ensure.text('search', args.search, 200).toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`);
    where.push({ searchText: { $like: `%${text}%` } });
  }
  if (args.organizerId) where.push({ organizerId: args.organizerId });
  if (args.onSaleOnly) {
    where.push({ status: 'ON_SALE' });
    where.push({ $or: [{ saleStartsAt: null }, { saleStartsAt: { $lte: now } }] });
    where.push({ $or: [{ saleEndsAt: null }, { saleEndsAt: { $gt: now } }] });
  }
  const filter: FilterQuery<Ticket> = where.length ? { $and: where } : {};
  const page: FilterQuery<Ticket> = args.after ? { $and: [filter, { id: { $lt: decodeCursor(args.after) } }] } : filter;
  const [rows, totalCount] = await Promise.all([
    em.find(Ticket, page, { orderBy: { id: 'desc' }, limit: first + 1 }),
    em.count(Ticket, filter),
  ]);
  const nodes = rows.slice(0, first);
  const edges = nodes.map((node) => ({ cursor: encodeCursor(node.id), node }));
  return { edges, pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null }, totalCount };
}
