import { EntitySchema } from '@mikro-orm/core';
import { TicketInventory } from '../domain/ticket-inventory';

/**
 * MikroORM mapping of booking's ticket replica; one row per ticket, locked while seats change.
 * `version` counts its events (`TicketDeletionContinued`); 0 for rows older than the column.
 */
export const TicketInventorySchema = new EntitySchema<TicketInventory>({
  class: TicketInventory,
  tableName: 'ticket_inventory',
  properties: {
    id: { type: 'string', length: 100, primary: true },
    version: { type: 'integer', default: 0 },
    title: { type: 'string', length: 200 },
    price: { type: 'integer' },
    seats: { type: 'integer' },
    seatsLeft: { type: 'integer' },
    organizerId: { type: 'string', length: 100 },
    status: { type: 'string', length: 16 },
    saleStartsAt: { type: 'datetime', length: 3, nullable: true },
    saleEndsAt: { type: 'datetime', length: 3, nullable: true },
    registeredAt: { type: 'datetime', length: 3 },
    deletedAt: { type: 'datetime', length: 3, nullable: true },
  },
});
