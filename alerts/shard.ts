/**
 * Which rules this process evaluates when several Tracehouse replicas share one ClickHouse.
 *
 * Each replica gets a distinct shard `i/N` (`TRACEHOUSE_ALERTS_SHARD`, e.g. from a StatefulSet
 * ordinal) and evaluates exactly the rules whose name hashes to `i` modulo `N`. Every rule has
 * one hash, so with distinct indexes `0 … N-1` each rule has exactly one evaluator: no lease to
 * lose, no clock to trust. The price: while a replica is down its rules wait for it to come
 * back (their state waits in ClickHouse, so nothing is lost or notified twice). The embedded
 * engine needs none of this: one process per data directory is enforced by the engine.
 *
 * @module
 */

/** This process's part of the rules. */
export interface Shard {
  index: number;
  count: number;
}

/** Evaluates every rule. */
export const WHOLE: Shard = Object.freeze({ index: 0, count: 1 });

/**
 * Parses `i/N` (`0 <= i < N <= 1024`).
 *
 * @example
 * ```ts
 * import { parseShard } from "./shard.ts";
 * console.assert(parseShard("1/3").index === 1);
 * ```
 */
export function parseShard(text: string): Shard {
  const m = /^(\d{1,4})\/(\d{1,4})$/.exec(text.trim());
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || count > 1024 || index >= count) {
    throw new RangeError(`expected i/N with 0 <= i < N <= 1024, got "${text.slice(0, 32)}"`);
  }
  return { index, count };
}

/** FNV-1a of the rule's name: stable across processes, versions and platforms. */
export function ruleHash(name: string): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(name)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/**
 * Whether `shard` evaluates the rule `name`.
 *
 * @example
 * ```ts
 * import { owns } from "./shard.ts";
 * const names = ["a", "b", "c", "d"];
 * const owners = names.map((n) => [0, 1, 2].filter((i) => owns({ index: i, count: 3 }, n)));
 * console.assert(owners.every((o) => o.length === 1));
 * ```
 */
export function owns(shard: Shard, name: string): boolean {
  return ruleHash(name) % shard.count === shard.index;
}
