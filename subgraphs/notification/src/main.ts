import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'graphql';
import type { NotificationAdded } from '@supergraph/contracts';
import { createConsumer, createLiveFeed, openContext, runMain, serveSubgraph } from '@supergraph/kernel';
import { notificationSubscriptions } from './application/policies/notification-policy';
import { ticketingPolicies } from './application/policies/ticketing';
import type { NotificationContext } from './graphql/context';
import { resolvers } from './graphql/resolvers';
import { allocateNotificationIds } from './infrastructure/notification-sequence.schema';
import { notificationEntities } from './infrastructure/notification.schema';

/** The notification subgraph's SDL (src/schema.graphql). */
export const typeDefs = parse(readFileSync(join(__dirname, '..', 'src', 'schema.graphql'), 'utf8'));

/**
 * Starts the notification context: store `NOTIFICATION_DB_URL` (SQLite by default, see README
 * "Configuration"), port `NOTIFICATION_PORT` (4004). Consumer group `notification` on
 * `ticket.events`, `booking.events` and `payment.events` (SPEC.md 1.6, 1.7, 1.9, 1.11); while it is
 * down events wait in the streams and are processed when it is back (rule 12). Publishes
 * `NotificationAdded` on `notification.events` for each notification stored; a live feed of that
 * stream serves `notificationAdded` over WebSocket, so any replica serves any recipient. Replicas
 * must share a PostgreSQL or MariaDB store: on SQLite (a file of one process) run one replica.
 */
export async function main(env: NodeJS.ProcessEnv = process.env, options: { port?: number; handleSignals?: boolean } = {}) {
  const runtime = await openContext('notification', { entities: notificationEntities, env });
  const consumer = createConsumer(runtime, { subscriptions: notificationSubscriptions(runtime.stream, [ticketingPolicies], allocateNotificationIds) });
  const added = createLiveFeed<NotificationAdded>(runtime, { types: ['NotificationAdded'], key: (event) => event.payload.recipientId });
  return serveSubgraph<NotificationContext>(runtime, {
    typeDefs,
    resolvers,
    context: (base) => ({ ...base, added }),
    consumers: [consumer],
    feeds: [added],
    ...options,
  });
}

if (require.main === module) void runMain(() => main(), 'notification');
