import assert from "node:assert/strict";
import { ClickHouseError, type Store } from "../../sql/store.ts";
import { FILLER_LOGS } from "../../testing/query_fixtures.ts";
import { createApiApp } from "./mod.ts";
import { FIXTURE_QUERY as R, openApiFixture } from "../../testing/api_fixture.ts";

Deno.test("query API over the embedded engine: every sub-app", async (t) => {
  const fx = await openApiFixture();
  const { store, get, ok } = fx;
  try {
    await t.step("unknown routes: 404 in the JSON envelope", async () => {
      const notFound = await get("/nothing");
      assert.equal(notFound.status, 404);
      assert.equal(notFound.body.error.code, "not_found");
    });

    await t.step("injection suite: hostile values find nothing and break nothing", async () => {
      const hostile = [
        "' OR 1=1 --",
        "x' OR '1'='1",
        "\\' OR 1=1 --",
        "'; DROP TABLE otel_logs; --",
        "payments' UNION ALL SELECT name FROM system.tables --",
        "*/ OR 1=1 /*",
        "-- comment",
        "{p0:String}",
        "{name:Identifier}",
        "\u0000\n\t\r",
        "%' OR '%'='",
        "`otel_logs`",
        "ä€😀",
      ];
      for (const value of hostile) {
        const v = encodeURIComponent(value);
        const empty = async (path: string, key: string) => {
          const res = await get(path);
          assert.equal(res.status, 200, `${path}: ${JSON.stringify(res.body)}`);
          assert.deepEqual(res.body[key], [], `${path} found rows`);
        };
        await empty(`/logs?${R}&service=${v}`, "logs");
        await empty(`/logs?${R}&q=${v}`, "logs");
        await empty(`/logs?${R}&attr.order.id=${v}`, "logs");
        await empty(`/traces?${R}&service=${v}`, "traces");
        await empty(`/traces?${R}&spanName=${v}`, "traces");
        await empty(`/traces?${R}&attr.http.route=${v}`, "traces");
        await empty(`/metrics?${R}&service=${v}`, "metrics");
        await empty(`/services/${v}/operations?${R}`, "operations");
        const series = await ok(`/metrics/query?${R}&name=${v}`);
        assert.deepEqual(series.series, []);
        const filtered = await ok(
          `/metrics/query?${R}&name=process.cpu.utilization&attr.cpu.mode=${v}`,
        );
        assert.deepEqual(filtered.series, []);
        // As map keys (group-by and attribute names) hostile text is refused, never run.
        const key = await get(`/logs?${R}&attr.${v}=1`);
        assert.equal(key.status, 400);
        const group = await get(`/metrics/query?${R}&name=x&groupBy=attr.${v}`);
        assert.equal(group.status, 400);
      }
      const huge = "x".repeat(100_000);
      for (
        const path of [
          `/logs?q=${huge}`,
          `/logs?service=${huge}`,
          `/logs?attr.k=${huge}`,
          `/logs?attr.${huge}=1`,
          `/traces?spanName=${huge}`,
          `/metrics/query?name=${huge}`,
          `/logs?cursor=${huge}`,
          `/logs?from=${huge}`,
          `/traces/${huge}`,
        ]
      ) {
        const res = await get(path);
        assert.equal(res.status, 400, path.slice(0, 40));
        assert.ok(JSON.stringify(res.body).length < 1000, "the error echoes the huge value");
      }
      const [{ c }] = await store.query<{ c: string }>(
        "SELECT count() AS c FROM system.tables WHERE database = 'tracehouse' AND name LIKE 'otel_%'",
      );
      assert.ok(Number(c) >= 15, `tables are intact: ${c}`);
      const logs = await ok(`/logs?${R}&limit=1000&service=batch`);
      assert.ok(logs.logs.length >= FILLER_LOGS);
    });
  } finally {
    await fx.close();
  }
});

Deno.test("query API: engine timeouts are 504, other engine errors 500 without details", async () => {
  const failing = (error: Error): Store => ({
    kind: "remote",
    database: "x",
    query: () => Promise.reject(error),
    queryWithStats: () => Promise.reject(error),
    command: () => Promise.reject(error),
    insert: () => Promise.reject(error),
    close: () => Promise.resolve(),
  });
  const slow = createApiApp(
    failing(
      ClickHouseError.fromMessage("Code: 159. DB::Exception: Timeout exceeded (TIMEOUT_EXCEEDED)"),
    ),
    { queryTimeoutSeconds: 3 },
  );
  const res = await slow.request("/logs");
  assert.equal(res.status, 504);
  assert.deepEqual((await res.json()).error.code, "timeout");
  const broken = createApiApp(failing(new ClickHouseError("secret table layout", 62)));
  const original = console.error;
  console.error = () => {};
  try {
    const res2 = await broken.request("/logs");
    assert.equal(res2.status, 500);
    const body = await res2.json();
    assert.equal(body.error.code, "internal");
    assert.doesNotMatch(body.error.message, /secret/);
  } finally {
    console.error = original;
  }
});
