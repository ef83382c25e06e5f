import assert from "node:assert/strict";
import { LOGS_COLUMNS, TRACES_COLUMNS } from "../../sql/schema.ts";
import {
  FILLER_LOGS,
  FILLER_TRACES,
  FIXTURE_RANGE,
  fixtureLogs,
  fixtureSpans,
  openFixtureStore,
  T0_NS,
  TRACE_A,
  TRACE_B,
} from "../../testing/query_fixtures.ts";
import { ClickHouseError, type Store } from "../../sql/store.ts";
import { createApiApp } from "./mod.ts";

const NOW = Date.UTC(2026, 10, 25, 10, 30);
const R = new URLSearchParams(FIXTURE_RANGE).toString();
// deno-lint-ignore no-explicit-any
type Json = any;

/** One store for the whole module (one embedded store per process); steps share it. */
Deno.test("query API over the embedded engine", async (t) => {
  const store = await openFixtureStore();
  const app = createApiApp(store, { now: () => NOW, cacheSize: 0 });
  const get = async (path: string, init?: RequestInit) => {
    const res = await app.request(path, init);
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
  };
  const ok = async (path: string) => {
    const res = await get(path);
    assert.equal(res.status, 200, `${path}: ${JSON.stringify(res.body)}`);
    return res.body as Json;
  };
  const bad = async (path: string, param: string) => {
    const res = await get(path);
    assert.equal(res.status, 400, `${path}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.error.code, "invalid_parameter", path);
    assert.ok(
      res.body.error.message.includes(`"${param}"`),
      `${path}: expected "${param}" in ${res.body.error.message}`,
    );
  };
  try {
    await t.step("services: RED figures from the rollup, last seen from the catalog", async () => {
      const body = await ok(`/services?${R}`);
      const byName = Object.fromEntries(body.services.map((s: Json) => [s.name, s]));
      assert.deepEqual(Object.keys(byName), ["batch", "checkout", "frontend", "payments"]);
      assert.equal(byName.batch.spanCount, FILLER_TRACES);
      assert.equal(byName.payments.errorCount, 1);
      assert.equal(byName.payments.errorRate, 1);
      assert.equal(byName.payments.p50Ns, 40_000_000);
      assert.equal(byName.frontend.operations, 2);
      assert.equal(byName.frontend.lastSeen, "2026-11-25T10:00:02.000000000Z");
      assert.equal(body.from, "2026-11-25T09:00:00.000000000Z");
      // The default range is the last hour before now.
      const recent = await ok("/services");
      assert.equal(recent.from, "2026-11-25T09:30:00.000000000Z");
      // Whole hours from the hourly rollup, the edges (08:30-09:00, 10:00-10:10) from minutes.
      const edges = await ok("/services?from=2026-11-25T08:30:00Z&to=2026-11-25T10:10:30Z");
      assert.deepEqual(
        edges.services.map((s: Json) => [s.name, s.spanCount, s.errorCount]),
        [["batch", 12, 0], ["checkout", 1, 0], ["frontend", 2, 0], ["payments", 1, 1]],
      );
      const minutesOnly = await ok("/services?from=2026-11-25T10:00:00Z&to=2026-11-25T10:10:30Z");
      assert.deepEqual(minutesOnly.services, edges.services);
      const empty = await ok("/services?from=2026-11-24T00:00:00Z&to=2026-11-24T01:00:00Z");
      assert.deepEqual(empty.services, []);
    });

    await t.step("operations: per span name, span kind from the dictionary", async () => {
      const body = await ok(`/services/frontend/operations?${R}`);
      assert.deepEqual(
        body.operations.map((o: Json) => [o.name, o.spanKind, o.spanCount]),
        [["GET /checkout", "Server", 1], ["GET /home", "Server", 1]],
      );
    });

    await t.step("traces: summaries newest first", async () => {
      const body = await ok(`/traces?${R}&limit=1000`);
      assert.equal(body.traces.length, FILLER_TRACES + 2);
      const starts = body.traces.map((x: Json) => x.start);
      assert.deepEqual(starts, [...starts].sort().reverse());
      const a = body.traces.find((x: Json) => x.traceId === TRACE_A);
      assert.deepEqual(a, {
        traceId: TRACE_A,
        rootService: "frontend",
        rootSpan: "GET /checkout",
        start: "2026-11-25T10:00:01.000000000Z",
        durationNs: 100_000_000,
        spanCount: 3,
        errorCount: 1,
        services: ["checkout", "frontend", "payments"],
      });
      assert.equal(body.nextCursor, null);
    });

    await t.step("traces: every filter", async () => {
      const ids = async (q: string) =>
        (await ok(`/traces?${R}&limit=1000&${q}`)).traces.map((x: Json) => x.traceId);
      assert.deepEqual(await ids("service=payments"), [TRACE_A]);
      assert.equal((await ids("service=payments&service=batch")).length, FILLER_TRACES + 1);
      assert.deepEqual(await ids("spanName=charge"), [TRACE_A]);
      assert.deepEqual(await ids("spanName=GET%20%2Fhome"), [TRACE_B]);
      assert.deepEqual(await ids("status=error"), [TRACE_A]);
      assert.equal((await ids("status=ok")).length, FILLER_TRACES + 2);
      assert.deepEqual(await ids("status=unset"), []);
      assert.deepEqual(await ids("minDuration=50ms"), [TRACE_A]);
      assert.deepEqual(await ids("minDuration=50000000"), [TRACE_A]);
      assert.equal((await ids("maxDuration=5ms&service=batch")).length, 5);
      assert.deepEqual(await ids("minDuration=35ms&maxDuration=45ms"), [TRACE_A]);
      assert.deepEqual(await ids("attr.http.route=/pay"), [TRACE_A]);
      assert.deepEqual(await ids("attr.deployment.environment.name=prod"), [TRACE_A]);
      assert.deepEqual(await ids("attr.http.route=/home&service=frontend"), [TRACE_B]);
      assert.deepEqual(await ids("attr.http.route=/pay&service=frontend"), []);
      const early = await ok("/traces?from=2026-11-25T10:00:00Z&to=2026-11-25T10:01:00Z");
      assert.deepEqual(early.traces.map((x: Json) => x.traceId), [TRACE_B, TRACE_A]);
    });

    await t.step(
      "trace by id: spans by start, parents, events, links, logs on request",
      async () => {
        const body = await ok(`/traces/${TRACE_A}`);
        assert.equal(body.logs, undefined);
        assert.deepEqual(
          body.spans.map((s: Json) => [s.spanId, s.parentSpanId, s.service]),
          [
            ["a000000000000001", "", "frontend"],
            ["a000000000000002", "a000000000000001", "checkout"],
            ["a000000000000003", "a000000000000002", "payments"],
          ],
        );
        const charge = body.spans[2];
        assert.equal(charge.statusCode, "Error");
        assert.equal(charge.statusMessage, "card declined");
        assert.deepEqual(charge.events, [{
          time: "2026-11-25T10:00:01.050000000Z",
          name: "exception",
          attributes: { "exception.message": "declined" },
        }]);
        assert.deepEqual(charge.links, [{
          traceId: TRACE_B,
          spanId: "b000000000000001",
          traceState: "",
          attributes: { "link.kind": "retry" },
        }]);
        assert.equal(body.spans[0].resource["deployment.environment.name"], "prod");
        assert.equal(body.spans[0].attributes["http.route"], "/checkout");
        assert.equal(body.durationNs, 100_000_000);
        const withLogs = await ok(`/traces/${TRACE_A.toUpperCase()}?logs=1`);
        assert.deepEqual(withLogs.logs.map((l: Json) => l.severityText), ["INFO", "ERROR"]);
        const missing = await get(`/traces/${"c".repeat(32)}`);
        assert.equal(missing.status, 404);
        assert.equal(missing.body.error.code, "not_found");
      },
    );

    await t.step("logs: newest first, asc on request, every filter", async () => {
      const all = await ok(`/logs?${R}&limit=1000`);
      assert.equal(all.logs.length, FILLER_LOGS + 2);
      const times = all.logs.map((l: Json) => l.time);
      assert.deepEqual(times, [...times].sort().reverse());
      const asc = await ok(`/logs?${R}&limit=1000&order=asc`);
      assert.deepEqual(asc.logs.map((l: Json) => l.time), [...times].reverse());
      const count = async (q: string) => (await ok(`/logs?${R}&limit=1000&${q}`)).logs.length;
      assert.equal(await count("service=payments"), 1);
      assert.equal(await count("service=payments&service=checkout"), 2);
      assert.equal(await count("severity=warn"), FILLER_LOGS / 10 + 1);
      assert.equal(await count("severity=WARN"), FILLER_LOGS / 10 + 1);
      assert.equal(await count("severity=17"), 1);
      assert.equal(await count("severity=info"), FILLER_LOGS / 10 + 2);
      assert.equal(await count("q=declined"), 1);
      assert.equal(await count("q=JOB%201%20"), 1);
      assert.equal(await count("q=100%25"), 1);
      assert.equal(await count("q=%25"), 1);
      assert.equal(await count("q=_"), 1);
      assert.equal(await count(`traceId=${TRACE_A}`), 2);
      assert.equal(await count("spanId=a000000000000003"), 1);
      assert.equal(await count("attr.order.id=42"), 2);
      assert.equal(await count("attr.error.type=declined"), 1);
      assert.equal(await count("attr.service.name=payments"), 1);
      assert.equal(await count("attr.order.id=43"), 0);
      const first = all.logs.at(-1);
      assert.deepEqual(first, {
        time: "2026-11-25T10:00:01.015000000Z",
        traceId: TRACE_A,
        spanId: "a000000000000002",
        traceFlags: 1,
        severityText: "INFO",
        severityNumber: 9,
        service: "checkout",
        body: "payment started for order 42",
        eventName: "",
        scope: { name: "fixture", version: "1.0.0" },
        resource: { "service.name": "checkout" },
        attributes: { "order.id": "42" },
      });
    });

    await t.step("cursors: pages with inserts in between skip and repeat nothing", async () => {
      for (const order of ["desc", "asc"]) {
        const seen: string[] = [];
        let cursor: string | null = null;
        let page = 0;
        do {
          const q = `/logs?${R}&limit=7&order=${order}${cursor ? `&cursor=${cursor}` : ""}`;
          const body = await ok(q);
          seen.push(...body.logs.map((l: Json) => `${l.time}|${l.body}`));
          cursor = body.nextCursor as string | null;
          // New rows at the current position and at both ends of the range, same timestamps included.
          const at = T0_NS + BigInt(300 + 30 * page) * 1_000_000_000n;
          await store.insert("otel_logs", [
            { ...fixtureLogs()[5], Timestamp: at, Body: `late ${order} ${page}` },
            {
              ...fixtureLogs()[5],
              Timestamp: T0_NS + 3000n * 1_000_000_000n,
              Body: `new ${order} ${page}`,
            },
          ], { columns: LOGS_COLUMNS });
          page++;
        } while (cursor);
        const original = new Set(fixtureLogs().map((l) => l.Body as string));
        const bodies = seen.map((s) => s.split("|")[1]);
        assert.equal(new Set(seen).size, seen.length, `${order}: a row was repeated`);
        for (const b of original) assert.ok(bodies.includes(b), `${order}: ${b} was skipped`);
      }
      const seen: string[] = [];
      let cursor: string | null = null;
      let page = 0;
      do {
        const body = await ok(`/traces?${R}&limit=4${cursor ? `&cursor=${cursor}` : ""}`);
        seen.push(...body.traces.map((x: Json) => x.traceId));
        cursor = body.nextCursor as string | null;
        const span = fixtureSpans()[3 + (page % FILLER_TRACES)];
        await store.insert("otel_traces", [{
          ...span,
          TraceId: `e${page.toString(16).padStart(31, "0")}`,
          Timestamp: span.Timestamp,
        }], { columns: TRACES_COLUMNS });
        page++;
      } while (cursor);
      assert.equal(new Set(seen).size, seen.length, "a trace was repeated");
      for (const s of fixtureSpans()) {
        assert.ok(seen.includes(s.TraceId as string), `${s.TraceId} was skipped`);
      }
    });

    await t.step("cursors: bound to their filters", async () => {
      const body = await ok(`/logs?${R}&limit=2&service=batch`);
      await bad(`/logs?${R}&limit=2&service=checkout&cursor=${body.nextCursor}`, "cursor");
      await bad(`/logs?${R}&limit=2&service=batch&order=asc&cursor=${body.nextCursor}`, "cursor");
      const traces = await ok(`/traces?${R}&limit=2`);
      await bad(`/logs?${R}&cursor=${traces.nextCursor}`, "cursor");
    });

    await t.step("metrics: catalogue", async () => {
      const body = await ok(`/metrics?${R}`);
      assert.deepEqual(body.metrics.map((m: Json) => [m.name, m.type, m.unit]), [
        ["http.server.duration", "histogram", "ms"],
        ["http.server.requests", "sum", "{request}"],
        ["process.cpu.utilization", "gauge", "1"],
      ]);
      assert.deepEqual(body.metrics[0].services, ["checkout"]);
      assert.deepEqual((await ok(`/metrics?${R}&service=nope`)).metrics, []);
    });

    await t.step("metrics: uPlot columns, aggregations, rollup and raw agree", async () => {
      const base = `/metrics/query?${R}&step=10m`;
      const cpu = await ok(`${base}&name=process.cpu.utilization`);
      assert.equal(cpu.source, "rollup");
      assert.equal(cpu.type, "gauge");
      assert.equal(cpu.data.length, 2);
      assert.equal(cpu.data[0].length, 13);
      assert.equal(cpu.data[0][0], Date.UTC(2026, 10, 25, 9) / 1000);
      assert.deepEqual(cpu.data[1].slice(5, 10), [null, 0.5, 0.5, 0.5, null]);
      const cases: [string, string, (number | null)[]][] = [
        ["process.cpu.utilization", "min", [0.25, 0.25, 0.25]],
        ["process.cpu.utilization", "max", [0.75, 0.75, 0.75]],
        ["process.cpu.utilization", "count", [120, 120, 120]],
        ["http.server.requests", "rate", [null, 4, 4]],
        ["http.server.duration", "count", [1200, 1200, 1200]],
        ["http.server.duration", "avg", [15, 15, 15]],
        ["http.server.duration", "p50", [15, 15, 15]],
        ["http.server.duration", "p99", [19.9, 19.9, 19.9]],
        ["http.server.duration", "sum", [18000, 18000, 18000]],
      ];
      for (const [name, agg, expected] of cases) {
        const rollup = await ok(`${base}&name=${name}&agg=${agg}`);
        const raw = await ok(`${base}&name=${name}&agg=${agg}&source=raw`);
        assert.equal(raw.source, "raw");
        const slice = (d: (number | null)[]) =>
          d.slice(6, 9).map((v) => (v === null ? null : Math.round(v * 1000) / 1000));
        assert.deepEqual(slice(rollup.data[1]), expected, `${name} ${agg} rollup`);
        assert.deepEqual(slice(raw.data[1]), expected, `${name} ${agg} raw`);
      }
      const byMethod = await ok(
        `${base}&name=http.server.requests&agg=rate&groupBy=attr.http.method`,
      );
      assert.deepEqual(byMethod.series, [
        { labels: { "attr.http.method": "GET" } },
        { labels: { "attr.http.method": "POST" } },
      ]);
      assert.equal(byMethod.data[1][7], 2);
      const two = await ok(
        `${base}&name=http.server.requests&agg=rate&groupBy=service,attr.http.method&attr.http.method=POST`,
      );
      assert.deepEqual(two.series, [{
        labels: { service: "checkout", "attr.http.method": "POST" },
      }]);
      const raw = await ok(
        `/metrics/query?${R}&step=30s&name=process.cpu.utilization&service=checkout`,
      );
      assert.equal(raw.source, "raw");
      assert.equal(raw.data[0].length, 241);
      const auto = await ok(`/metrics/query?${R}&name=process.cpu.utilization`);
      assert.equal(auto.step, 60);
      const unknown = await ok(`${base}&name=no.such.metric`);
      assert.equal(unknown.type, null);
      assert.deepEqual(unknown.series, []);
      assert.equal(unknown.data.length, 1);
    });

    await t.step("bad parameters: 400 naming the parameter", async () => {
      const cases: [string, string][] = [
        ["/logs?from=yesterday", "from"],
        ["/logs?to=2026-13-01T00:00:00Z", "to"],
        ["/logs?from=now&to=now-1h", "from"],
        ["/logs?from=now-100d", "from"],
        ["/logs?limit=0", "limit"],
        ["/logs?limit=abc", "limit"],
        ["/logs?limit=5000", "limit"],
        ["/logs?limit=-1", "limit"],
        ["/logs?cursor=***", "cursor"],
        ["/logs?cursor=eyJ2IjoxfQ", "cursor"],
        ["/logs?order=sideways", "order"],
        ["/logs?severity=loud", "severity"],
        ["/logs?severity=25", "severity"],
        ["/logs?traceId=xyz", "traceId"],
        ["/logs?spanId=123", "spanId"],
        ["/logs?from=a&from=b", "from"],
        ["/logs?bogus=1", "bogus"],
        ["/logs?attr.=x", "attr."],
        ["/logs?attr.a%20b=x", "attr.a b"],
        ["/logs?attr.k=1&attr.k=2", "attr.k"],
        ["/traces?status=broken", "status"],
        ["/traces?minDuration=fast", "minDuration"],
        ["/traces?maxDuration=-5", "maxDuration"],
        ["/traces?limit=1001", "limit"],
        ["/traces/xyz", "traceId"],
        [`/traces/${TRACE_A}?logs=maybe`, "logs"],
        [`/traces/${TRACE_A}?extra=1`, "extra"],
        ["/services?from=now-1x", "from"],
        ["/services?to=1e9", "to"],
        ["/metrics?from=never", "from"],
        ["/metrics/query", "name"],
        ["/metrics/query?name=x&agg=median", "agg"],
        ["/metrics/query?name=x&step=0", "step"],
        ["/metrics/query?name=x&step=fast", "step"],
        ["/metrics/query?name=x&step=1s&from=now-7d", "step"],
        ["/metrics/query?name=x&step=30s&source=rollup", "step"],
        ["/metrics/query?name=x&source=cache", "source"],
        ["/metrics/query?name=x&groupBy=host", "groupBy"],
        ["/metrics/query?name=x&groupBy=service,service", "groupBy"],
        ["/metrics/query?name=x&groupBy=attr.a,attr.b,attr.c,attr.d,attr.e", "groupBy"],
        ["/metrics/query?name=x&groupBy=attr.a'b", "groupBy"],
        [`/metrics/query?${R}&name=process.cpu.utilization&agg=rate`, "agg"],
        [`/metrics/query?${R}&name=http.server.requests&agg=p95`, "agg"],
      ];
      for (const [path, param] of cases) await bad(path, param);
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

    await t.step("cache: hits, ETag, 304, longer life for past windows", async () => {
      const cached = createApiApp(store, { now: () => NOW });
      const past = { from: FIXTURE_RANGE.from, to: "2026-11-25T10:20:00Z" };
      const path = `/services?${new URLSearchParams(past)}`;
      const first = await cached.request(path);
      assert.equal(first.headers.get("X-Cache"), "miss");
      assert.equal(first.headers.get("Cache-Control"), "private, max-age=300");
      const etag = first.headers.get("ETag")!;
      assert.match(etag, /^"[0-9a-f]{32}"$/);
      const firstBody = await first.text();
      const again = await cached.request(
        `/services?to=${past.to}&from=${past.from}`,
      );
      assert.equal(again.headers.get("X-Cache"), "hit");
      assert.equal(await again.text(), firstBody);
      const revalidated = await cached.request(path, { headers: { "If-None-Match": etag } });
      assert.equal(revalidated.status, 304);
      assert.equal(await revalidated.text(), "");
      const live = await cached.request("/services?from=now-1h");
      assert.equal(live.headers.get("Cache-Control"), "private, max-age=5");
      await live.body?.cancel();
      const stats = cached.cacheStats();
      assert.equal(stats.hits, 2);
      const bad = await cached.request("/services?from=nope");
      assert.equal(bad.status, 400);
      assert.equal(bad.headers.get("ETag"), null);
      await bad.body?.cancel();
    });

    await t.step("token: required when configured, except for the spec and its page", async () => {
      const guarded = createApiApp(store, { now: () => NOW, queryToken: "s3cret" });
      const none = await guarded.request(`/services?${R}`);
      assert.equal(none.status, 401);
      assert.equal((await none.json()).error.code, "unauthorized");
      const wrong = await guarded.request(`/services?${R}`, {
        headers: { Authorization: "Bearer s3cre" },
      });
      assert.equal(wrong.status, 401);
      await wrong.body?.cancel();
      const right = await guarded.request(`/services?${R}`, {
        headers: { Authorization: "Bearer s3cret" },
      });
      assert.equal(right.status, 200);
      await right.body?.cancel();
      for (const open of ["/openapi.json", "/docs"]) {
        const res = await guarded.request(open);
        assert.equal(res.status, 200, open);
        await res.body?.cancel();
      }
    });

    await t.step("openapi: generated from the validators; a self-contained page", async () => {
      const spec = await ok("/openapi.json");
      assert.equal(spec.openapi, "3.1.0");
      assert.deepEqual(Object.keys(spec.paths).sort(), [
        "/alerts",
        "/alerts/history",
        "/alerts/silences",
        "/alerts/silences/{id}",
        "/errors",
        "/errors/{fingerprint}",
        "/logs",
        "/metrics",
        "/metrics/query",
        "/service-map",
        "/services",
        "/services/{service}/operations",
        "/traces",
        "/traces/{traceId}",
      ]);
      const names = spec.paths["/logs"].get.parameters.map((p: Json) => p.name);
      for (const n of ["from", "to", "limit", "cursor", "order", "severity", "q", "traceId"]) {
        assert.ok(names.includes(n), n);
      }
      const res = await app.request("/docs");
      const html = await res.text();
      assert.match(res.headers.get("Content-Type") ?? "", /text\/html/);
      assert.match(html, /\/metrics\/query/);
      assert.doesNotMatch(html, /<script|<link|https?:\/\//);
    });
  } finally {
    await store.close();
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
