import { EntitySchema } from '@mikro-orm/core';
import { Ticket } from '../domain/ticket';

/**
 * MikroORM mapping of the Ticket aggregate (data mapper: the aggregate is the entity).
 * `searchText` is unbounded `text`: lower-casing may lengthen `title venue` beyond 401 characters.
 */
export const TicketSchema = new EntitySchema<Ticket>({
  class: Ticket,
  tableName: 'ticket',
  indexes: [{ properties: ['organizerId'] }, { properties: ['status'] }],
  properties: {
    id: { type: 'string', length: 36, primary: true },
    version: { type: 'integer' },
    title: { type: 'string', length: 200 },
    venue: { type: 'string', length: 200 },
    searchText: { type: 'text' },
    price: { type: 'integer' },
    seats: { type: 'integer' },
    organizerId: { type: 'string', length: 100 },
    status: { type: 'string', length: 16 },
    saleStartsAt: { type: 'datetime', length: 3, nullable: true },
    saleEndsAt: { type: 'datetime', length: 3, nullable: true },
    createdAt: { type: 'datetime', length: 3 },
    deletedAt: { type: 'datetime', length: 3, nullable: true },
  },
});

/** Every entity of the ticket context's store. */
export const ticketEntities = [TicketSchema];
