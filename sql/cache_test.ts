import assert from "node:assert/strict";
import { LruCache } from "./cache.ts";

Deno.test("LruCache: evicts the least recently used, expires entries, counts hits", () => {
  let now = 0;
  const cache = new LruCache<number>(2, () => now);
  cache.set("a", 1, 100);
  cache.set("b", 2, 100);
  assert.equal(cache.get("a"), 1); // a is now the most recent
  cache.set("c", 3, 100); // evicts b
  assert.equal(cache.get("b"), undefined);
  assert.equal(cache.get("c"), 3);
  now = 100;
  assert.equal(cache.get("a"), undefined);
  assert.deepEqual([cache.hits, cache.misses], [2, 2]);
  const off = new LruCache<number>(0);
  off.set("x", 1, 100);
  assert.equal(off.size, 0);
});
