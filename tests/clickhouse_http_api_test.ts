/**
 * Tracehouse's own query API over its remote engine, pointed at the
 * ClickHouse-compatible endpoint with the default allow-list (no schema
 * changes): the fixtures go in as inserts into Tracehouse's tables, and every
 * query module's SQL (rollups, dictionaries, window functions, cursors) must
 * pass the endpoint's parse-tree checks and answer as over the embedded engine.
 *
 * @module
 */
import assert from "node:assert/strict";
import { startEndpointProcess } from "../clickhouse_http/test_server.ts";
import { createApiApp } from "../routes/api/mod.ts";
import { HttpStore } from "../sql/http.ts";
import {
  FILLER_LOGS,
  FILLER_TRACES,
  FIXTURE_RANGE,
  insertFixtures,
  TRACE_A,
} from "../testing/query_fixtures.ts";

const NOW = Date.UTC(2026, 10, 25, 10, 30);
const R = new URLSearchParams(FIXTURE_RANGE).toString();

Deno.test({
  name: "clickhouse http: the query API runs over the endpoint's allow-list",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const password = crypto.randomUUID();
    const endpoint = await startEndpointProcess({ password, migrate: true });
    const store = await HttpStore.open({ url: endpoint.url, password });
    try {
      await insertFixtures(store);
      const app = createApiApp(store, { now: () => NOW, cacheSize: 0 });
      const ok = async (path: string) => {
        const response = await app.request(path);
        const text = await response.text();
        assert.equal(response.status, 200, `${path}: ${text}\n${endpoint.stderr()}`);
        return JSON.parse(text);
      };
      const services = await ok(`/services?${R}`);
      const batch = services.services.find((s: { name: string }) => s.name === "batch");
      assert.equal(batch.spanCount, FILLER_TRACES);
      await ok(`/services/frontend/operations?${R}`);
      const traces = await ok(`/traces?${R}&limit=1000`);
      assert.ok(traces.traces.some((t: { traceId: string }) => t.traceId === TRACE_A));
      const page = await ok(`/traces?${R}&limit=4`);
      await ok(`/traces?${R}&limit=4&cursor=${page.nextCursor}`);
      const trace = await ok(`/traces/${TRACE_A}?logs=1`);
      assert.ok(trace.spans.length >= 3, JSON.stringify(trace).slice(0, 300));
      const logs = await ok(`/logs?${R}&limit=1000&service=batch`);
      assert.equal(logs.logs.length, FILLER_LOGS);
      await ok(`/metrics?${R}`);
      await ok(`/metrics/query?${R}&name=process.cpu.utilization`);
    } finally {
      await store.close();
      await endpoint.close();
    }
  },
});
