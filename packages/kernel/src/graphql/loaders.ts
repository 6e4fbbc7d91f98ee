import DataLoader from 'dataloader';
import type { EntityManager, EntityName, FilterQuery } from '@mikro-orm/core';

/**
 * DataLoaders for federation: the router sends many representations in one `_entities` call,
 * and each `__resolveReference` asks for one. These batch them into one `WHERE key IN (…)`
 * per request (no N+1). Create them per request (they cache).
 */

/** Loads entities by a unique property (default `id`); a missing key loads `null`. */
export function uniqueLoader<T extends object>(em: EntityManager, entity: EntityName<T>, key: keyof T & string = 'id' as keyof T & string): DataLoader<string, T | null> {
  return new DataLoader(async (keys) => {
    const rows = await em.find(entity, { [key]: { $in: [...keys] } } as FilterQuery<T>);
    const byKey = new Map(rows.map((row) => [String(row[key]), row]));
    return keys.map((k) => byKey.get(k) ?? null);
  });
}

/** Loads every entity whose `key` equals each given value (e.g. bookings by ticket id), in `orderBy` order. */
export function groupLoader<T extends object>(em: EntityManager, entity: EntityName<T>, key: keyof T & string, orderBy: Partial<Record<keyof T & string, 'asc' | 'desc'>> = {}): DataLoader<string, T[]> {
  return new DataLoader(async (keys) => {
    const rows = await em.find(entity, { [key]: { $in: [...keys] } } as FilterQuery<T>, { orderBy: orderBy as never });
    const groups = new Map<string, T[]>(keys.map((k) => [k, []]));
    for (const row of rows) groups.get(String(row[key]))?.push(row);
    return keys.map((k) => groups.get(k)!);
  });
}
