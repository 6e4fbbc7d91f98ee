import type { GraphQLFormattedError } from 'graphql';

/** The distinct representations of one `_entities` fetch and where each original one went. */
export interface DedupedRepresentations {
  /** Each distinct representation once, in order of first appearance. */
  unique: unknown[];
  /** For each original position, the index of its representation in `unique` (same length as the input). */
  uniqueIndexOf: number[];
}

/** The parts of a subgraph response the fan-out reads and rewrites (`data._entities`, `errors`). */
export interface EntitiesResponse {
  data?: Record<string, unknown> | null;
  errors?: readonly GraphQLFormattedError[];
}

/**
 * The representations of an `_entities` fetch without repeats: `@apollo/gateway` sends one
 * representation per position in the result (the same ticket 20 times when 20 bookings point to
 * it; gateway-calibration.md measured 960 representations for 55 distinct entities), so the
 * subgraph resolves each entity as often. Two representations are the same when their JSON is
 * (the gateway builds them field by field from the same `requires` selection, so equal entities
 * serialize with the same key order). Returns undefined when every representation is distinct
 * (nothing to gain: the fetch goes out as it is).
 */
export function dedupeRepresentations(representations: readonly unknown[]): DedupedRepresentations | undefined {
  const indexByKey = new Map<string, number>();
  const unique: unknown[] = [];
  const uniqueIndexOf = new Array<number>(representations.length);
  for (let i = 0; i < representations.length; i += 1) {
    const key = JSON.stringify(representations[i]);
    let index = indexByKey.get(key);
    if (index === undefined) {
      index = unique.length;
      indexByKey.set(key, index);
      unique.push(representations[i]);
    }
    uniqueIndexOf[i] = index;
  }
  return unique.length < representations.length ? { unique, uniqueIndexOf } : undefined;
}

/**
 * The response the gateway would have had for the original representations: `data._entities`
 * back at every original position (a repeated entity is copied, so merging it into one place of
 * the result never changes another), and every error whose path points into `_entities`
 * (`['_entities', u, …]`) repeated for each original position of entity `u` with that
 * position's index, so the gateway places it at the right path of the client's result. Errors
 * without such a path, and a response without an `_entities` array, pass as they are.
 */
export function fanOutEntities<R extends EntitiesResponse>(response: R, uniqueIndexOf: readonly number[]): R {
  const entities = response.data?._entities;
  const positionsOf = positionsByUniqueIndex(uniqueIndexOf);
  const data = Array.isArray(entities)
    ? { ...response.data, _entities: uniqueIndexOf.map((u, i) => (positionsOf[u][0] === i ? entities[u] : copyJson(entities[u]))) }
    : response.data;
  const errors = response.errors?.flatMap((error) => {
    const [head, index, ...rest] = error.path ?? [];
    if (head !== '_entities' || typeof index !== 'number' || positionsOf[index] === undefined) return [error];
    return positionsOf[index].map((position) => ({ ...error, path: ['_entities', position, ...rest] }));
  });
  return { ...response, data, ...(errors && { errors }) };
}

/** For each unique index, the original positions that carried it, ascending. */
function positionsByUniqueIndex(uniqueIndexOf: readonly number[]): number[][] {
  const positions: number[][] = [];
  uniqueIndexOf.forEach((u, i) => (positions[u] ??= []).push(i));
  return positions;
}

/** A deep copy of a parsed JSON value (objects, arrays, primitives). */
function copyJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copyJson);
  if (value !== null && typeof value === 'object') {
    const copy: Record<string, unknown> = {};
    for (const key of Object.keys(value)) copy[key] = copyJson((value as Record<string, unknown>)[key]);
    return copy;
  }
  return value;
}
