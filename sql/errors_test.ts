import assert from "node:assert/strict";
import { getErrorGroup, listErrorGroups } from "./errors.ts";
import { openFixtureStore, T0_NS } from "../testing/query_fixtures.ts";
import { LOGS_COLUMNS, TRACES_COLUMNS } from "./schema.ts";
import type { Store } from "./store.ts";

const S = 1_000_000_000n;
const FP_A = "aaaa000000000001";
const FP_B = "bbbb000000000002";
const range = { fromNs: T0_NS, toNs: T0_NS + 3600n * S };

function errorSpan(i: number, fp: string, service: string, atS: bigint): Record<string, unknown> {
  return {
    Timestamp: T0_NS + atS * S,
    TraceId: `e${i.toString(16).padStart(31, "0")}`,
    SpanId: `e${i.toString(16).padStart(15, "0")}`,
    ParentSpanId: "",
    TraceState: "",
    SpanName: "GET /boom",
    SpanKind: "Server",
    ServiceName: service,
    ResourceAttributes: { "service.name": service },
    ScopeName: "t",
    ScopeVersion: "1",
    SpanAttributes: { "error.fingerprint": fp },
    Duration: 1_000_000n,
    StatusCode: "Error",
    StatusMessage: "boom",
    "Events.Timestamp": [T0_NS + atS * S],
    "Events.Name": ["exception"],
    "Events.Attributes": [{
      "exception.type": "TypeError",
      "exception.message": `boom ${i}`,
      "exception.stacktrace": `TypeError: boom ${i}\n    at handler (app.ts:1:1)`,
    }],
    "Links.TraceId": [],
    "Links.SpanId": [],
    "Links.TraceState": [],
    "Links.Attributes": [],
  };
}

async function seed(store: Store): Promise<void> {
  const spans = [];
  // Group A: 10 spans in "api" across minutes 0..9, 2 in "worker" at minute 20.
  for (let i = 0; i < 10; i++) spans.push(errorSpan(i, FP_A, "api", BigInt(i * 60 + 5)));
  spans.push(errorSpan(10, FP_A, "worker", 1200n), errorSpan(11, FP_A, "worker", 1210n));
  // Group B: 3 spans in "api", last at minute 30 (the most recently seen group).
  for (let i = 0; i < 3; i++) spans.push(errorSpan(20 + i, FP_B, "api", BigInt(1800 + i)));
  await store.insert("otel_traces", spans, { columns: TRACES_COLUMNS });
  await store.insert("otel_logs", [{
    Timestamp: T0_NS + 1300n * S,
    TraceId: "",
    SpanId: "",
    TraceFlags: 0,
    SeverityText: "ERROR",
    SeverityNumber: 17,
    ServiceName: "worker",
    Body: "job failed: boom",
    ResourceSchemaUrl: "",
    ResourceAttributes: { "service.name": "worker" },
    ScopeSchemaUrl: "",
    ScopeName: "t",
    ScopeVersion: "1",
    ScopeAttributes: {},
    LogAttributes: { "error.fingerprint": FP_A },
    EventName: "",
  }], { columns: LOGS_COLUMNS });
}

Deno.test("error groups: rollup counts, order, sparkline, pagination, detail", async (t) => {
  const store = await openFixtureStore();
  try {
    await seed(store);
    await t.step("list: newest group first, counts from spans and logs", async () => {
      const page = await listErrorGroups(store, { range }, { limit: 10 });
      assert.deepEqual(page.groups.map((g) => g.fingerprint), [FP_B, FP_A]);
      const [b, a] = page.groups;
      assert.equal(b.count, 3);
      assert.deepEqual(b.services, ["api"]);
      assert.equal(b.type, "TypeError");
      assert.equal(b.message, "boom 22");
      assert.equal(b.sample.traceId, `e${(22).toString(16).padStart(31, "0")}`);
      assert.equal(a.count, 13);
      assert.equal(a.spanCount, 12);
      assert.equal(a.logCount, 1);
      assert.deepEqual(a.services, ["api", "worker"]);
      assert.equal(a.firstSeen, "2026-11-25T10:00:05.000000000Z");
      assert.equal(a.lastSeen, "2026-11-25T10:21:40.000000000Z");
      assert.equal(a.message, "job failed: boom", "the newest occurrence is the log");
      // 61 minutes at 180 s per bucket: 21 buckets, counts add up to the group's count.
      assert.equal(page.step, 180);
      assert.equal(page.buckets.length, a.sparkline.length);
      assert.equal(a.sparkline.reduce((x, y) => x + y, 0), 13);
      assert.deepEqual(a.sparkline.slice(0, 4), [3, 3, 3, 1]);
      assert.equal(page.nextCursor, null);
    });
    await t.step("list: service filter and keyset pages", async () => {
      const worker = await listErrorGroups(store, { range, services: ["worker"] }, { limit: 10 });
      assert.deepEqual(worker.groups.map((g) => [g.fingerprint, g.count]), [[FP_A, 3]]);
      const first = await listErrorGroups(store, { range }, { limit: 1 });
      assert.deepEqual(first.groups.map((g) => g.fingerprint), [FP_B]);
      assert.ok(first.nextCursor);
      const second = await listErrorGroups(store, { range }, {
        limit: 1,
        cursor: first.nextCursor!,
      });
      assert.deepEqual(second.groups.map((g) => g.fingerprint), [FP_A]);
      assert.equal(second.nextCursor, null);
      await assert.rejects(
        listErrorGroups(store, { range, services: ["api"] }, {
          limit: 1,
          cursor: first.nextCursor!,
        }),
        /other filters/,
      );
    });
    await t.step("list: a range without errors is empty", async () => {
      const empty = await listErrorGroups(store, {
        range: { fromNs: T0_NS - 7200n * S, toNs: T0_NS - 3600n * S },
      }, { limit: 10 });
      assert.deepEqual(empty.groups, []);
    });
    await t.step("detail: series, per service, exception with stack, occurrences", async () => {
      const detail = await getErrorGroup(store, FP_A.toUpperCase(), { range });
      assert.ok(detail);
      assert.equal(detail.count, 13);
      assert.deepEqual(detail.byService, [{ service: "api", count: 10 }, {
        service: "worker",
        count: 3,
      }]);
      assert.equal(detail.series[0].length, detail.series[1].length);
      assert.equal(detail.series[1].reduce((x, y) => x + y, 0), 13);
      // The newest occurrence is the log, which has no stack trace: the newest span's is shown.
      assert.equal(detail.message, "job failed: boom");
      assert.equal(detail.exception?.message, "boom 11");
      assert.match(detail.exception?.stacktrace ?? "", /^TypeError: boom 11\n/);
      assert.equal(detail.occurrences.length, 13);
      assert.equal(detail.occurrences[0].source, "log");
      assert.equal(detail.occurrences[1].traceId, `e${(11).toString(16).padStart(31, "0")}`);
      const b = await getErrorGroup(store, FP_B, { range });
      assert.equal(b?.exception?.type, "TypeError");
      assert.match(b?.exception?.stacktrace ?? "", /at handler \(app\.ts:1:1\)/);
      assert.equal(await getErrorGroup(store, "0123456789abcdef", { range }), null);
      await assert.rejects(getErrorGroup(store, "nothex", { range }), /16 hexadecimal/);
    });
  } finally {
    await store.close();
  }
});
