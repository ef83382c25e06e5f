/**
 * A small in-process LRU cache with per-entry expiry, for query answers.
 * Keys are normalised queries plus a time bucket (see
 * `routes/api/cache_middleware.ts`); a `Map` keeps insertion order, so the
 * first key is the least recently used.
 *
 * @module
 */

interface Entry<V> {
  value: V;
  expires: number;
}

/**
 * LRU cache with expiry.
 *
 * @example
 * ```ts
 * import { LruCache } from "./cache.ts";
 * const cache = new LruCache<string>(2);
 * cache.set("a", "1", 1000);
 * console.assert(cache.get("a") === "1");
 * ```
 */
export class LruCache<V> {
  readonly capacity: number;
  #entries = new Map<string, Entry<V>>();
  #now: () => number;
  /** Lookups answered from the cache. */
  hits = 0;
  /** Lookups that found nothing (or an expired entry). */
  misses = 0;

  constructor(capacity: number, now: () => number = Date.now) {
    this.capacity = capacity;
    this.#now = now;
  }

  /** Number of entries held (expired ones included until touched). */
  get size(): number {
    return this.#entries.size;
  }

  /** The value under `key` if present and fresh; marks it most recently used. */
  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry || entry.expires <= this.#now()) {
      if (entry) this.#entries.delete(key);
      this.misses++;
      return undefined;
    }
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    this.hits++;
    return entry.value;
  }

  /** Stores `value` for `ttlMs`, evicting the least recently used entry when full. */
  set(key: string, value: V, ttlMs: number): void {
    if (this.capacity <= 0) return;
    this.#entries.delete(key);
    this.#entries.set(key, { value, expires: this.#now() + ttlMs });
    while (this.#entries.size > this.capacity) {
      this.#entries.delete(this.#entries.keys().next().value as string);
    }
  }

  /** Drops every entry. */
  clear(): void {
    this.#entries.clear();
  }
}
