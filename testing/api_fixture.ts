/**
 * The query API over the fixture store, with the small request helpers every
 * `routes/api/*_test.ts` uses: one embedded store per test module.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { ChdbStore } from "../sql/chdb.ts";
import { createApiApp } from "../routes/api/mod.ts";
import { FIXTURE_RANGE, openFixtureStore } from "./query_fixtures.ts";

/** The clock the fixture API runs at: 30 minutes after the fixture data. */
export const FIXTURE_NOW: number = Date.UTC(2026, 10, 25, 10, 30);
/** The fixture range as a query string (`from=…&to=…`). */
export const FIXTURE_QUERY: string = new URLSearchParams(FIXTURE_RANGE).toString();

// deno-lint-ignore no-explicit-any
type Json = any;

/** An answer of the API: status, headers and the parsed JSON body (null when empty). */
export interface ApiAnswer {
  status: number;
  headers: Headers;
  body: Json;
}

/** The fixture store, an uncached API over it, and request helpers. */
export interface ApiFixture {
  store: ChdbStore;
  app: ReturnType<typeof createApiApp>;
  /** Any answer. */
  get(path: string, init?: RequestInit): Promise<ApiAnswer>;
  /** A 200 answer's body (asserts the status). */
  ok(path: string): Promise<Json>;
  /** Asserts a 400 `invalid_parameter` that names `param`. */
  bad(path: string, param: string): Promise<void>;
  close(): Promise<void>;
}

/** Opens the fixture store and the API over it; `close()` when done. */
export async function openApiFixture(): Promise<ApiFixture> {
  const store = await openFixtureStore();
  const app = createApiApp(store, { now: () => FIXTURE_NOW, cacheSize: 0 });
  const get = async (path: string, init?: RequestInit): Promise<ApiAnswer> => {
    const res = await app.request(path, init);
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
  };
  const ok = async (path: string): Promise<Json> => {
    const res = await get(path);
    assert.equal(res.status, 200, `${path}: ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const bad = async (path: string, param: string): Promise<void> => {
    const res = await get(path);
    assert.equal(res.status, 400, `${path}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.error.code, "invalid_parameter", path);
    assert.ok(
      res.body.error.message.includes(`"${param}"`),
      `${path}: expected "${param}" in ${res.body.error.message}`,
    );
  };
  return { store, app, get, ok, bad, close: () => store.close() };
}
