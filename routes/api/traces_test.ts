import assert from "node:assert/strict";
import { TRACES_COLUMNS } from "../../sql/schema.ts";
import { FILLER_TRACES, fixtureSpans, TRACE_A, TRACE_B } from "../../testing/query_fixtures.ts";
import { FIXTURE_QUERY as R, openApiFixture } from "../../testing/api_fixture.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

Deno.test("traces API over the embedded engine", async (t) => {
  const fx = await openApiFixture();
  const { store, get, ok, bad } = fx;
  try {
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

    await t.step("cursors: pages with inserts in between skip and repeat nothing", async () => {
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

    await t.step("bad parameters: 400 naming the parameter", async () => {
      const cases: [string, string][] = [
        ["/traces?status=broken", "status"],
        ["/traces?minDuration=fast", "minDuration"],
        ["/traces?maxDuration=-5", "maxDuration"],
        ["/traces?limit=1001", "limit"],
        ["/traces/xyz", "traceId"],
        [`/traces/${"g".repeat(32)}`, "traceId"],
        [`/traces/${"a".repeat(31)}`, "traceId"],
        [`/traces/${"a".repeat(31)}'`, "traceId"],
        [`/traces/${TRACE_A}?logs=maybe`, "logs"],
        [`/traces/${TRACE_A}?extra=1`, "extra"],
      ];
      for (const [path, param] of cases) await bad(path, param);
    });
  } finally {
    await fx.close();
  }
});
