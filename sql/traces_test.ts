import assert from "node:assert/strict";
import {
  fillerTraceId,
  fixtureSpans,
  openFixtureStore,
  T0_NS,
  TRACE_A,
  TRACE_B,
} from "../testing/query_fixtures.ts";
import { InvalidParamError } from "./invalid_param.ts";
import { TRACES_COLUMNS } from "./schema.ts";
import { render, type Sql } from "./sql_template.ts";
import type { Store } from "./store.ts";
import { setTraceIdProjection } from "./trace_projection.ts";
import { getTrace, traceSliceQuery, traceSpansQuery } from "./traces.ts";

const MS = 1_000_000n;
const DAY_NS = 86_400_000n * MS;
/** A trace of 12 spans across midnight, stored by two inserts (two lookup-table rows). */
const TRACE_C = "c0".repeat(16);
/** A span with {@linkcode TRACE_C}'s id prefix on another day, in another trace. */
const TRACE_D = "d0".repeat(16);
const MIDNIGHT_NS = (T0_NS / DAY_NS) * DAY_NS;

function spanOf(traceId: string, i: number, timestampNs: bigint): Record<string, unknown> {
  return {
    ...fixtureSpans()[0],
    TraceId: traceId,
    SpanId: `c${i.toString(16).padStart(15, "0")}`,
    ParentSpanId: i === 0 ? "" : "c000000000000000",
    Timestamp: timestampNs,
    ServiceName: `svc-${i % 3}`,
    SpanName: `op-${i % 4}`,
    SpanAttributes: { "i": String(i) },
  };
}

async function insertCrossDayTrace(store: Store): Promise<void> {
  // Six spans before midnight, six after, in separate inserts; one more trace five days earlier.
  const spans = Array.from(
    { length: 12 },
    (_, i) => spanOf(TRACE_C, i, MIDNIGHT_NS + BigInt(i - 6) * 1_000n * MS + BigInt(i) * MS),
  );
  await store.insert("otel_traces", spans.slice(0, 6), { columns: TRACES_COLUMNS });
  await store.insert("otel_traces", spans.slice(6), { columns: TRACES_COLUMNS });
  await store.insert("otel_traces", [spanOf(TRACE_D, 0, MIDNIGHT_NS - 5n * DAY_NS)], {
    columns: TRACES_COLUMNS,
  });
}

/** The spans as `getTrace` read them before: the slice in a statement of its own, then spans. */
async function twoStatements(store: Store, id: string, limit: number) {
  const s = render(traceSliceQuery(id));
  const [slice] = await store.query<{ n: string; s: string; e: string }>(s.query, {
    params: s.params,
  });
  if (Number(slice.n) === 0) return null;
  const q = render(
    traceSpansQuery(id, { fromS: BigInt(slice.s), toS: BigInt(slice.e) }, limit),
  );
  return await store.query(q.query, { params: q.params });
}

async function oneStatement(store: Store, id: string, limit: number) {
  const q = render(traceSpansQuery(id, "lookup", limit));
  return await store.query(q.query, { params: q.params });
}

/** `store`, recording the SQL of every `query` call. */
function recording(store: Store): { store: Store; queries: string[] } {
  const queries: string[] = [];
  const proxy = new Proxy(store, {
    get(target, key) {
      const value = Reflect.get(target, key, target);
      if (key !== "query") return typeof value === "function" ? value.bind(target) : value;
      return (query: string, options?: unknown) => {
        queries.push(query);
        return target.query(query, options as Parameters<Store["query"]>[1]);
      };
    },
  });
  return { store: proxy, queries };
}

async function explain(store: Store, query: Sql): Promise<string> {
  const q = render(query);
  const rows = await store.query<{ explain: string }>(`EXPLAIN indexes = 1 ${q.query}`, {
    params: q.params,
  });
  return rows.map((r) => r.explain).join("\n");
}

Deno.test("trace by id: one statement reads the same spans as the two before it", async (t) => {
  const store = await openFixtureStore();
  try {
    await insertCrossDayTrace(store);

    await t.step("same rows as slice-then-spans, for every kind of trace", async () => {
      for (const id of [TRACE_A, TRACE_B, TRACE_C, TRACE_D, fillerTraceId(7)]) {
        for (const limit of [1, 5, 10_000]) {
          const before = await twoStatements(store, id, limit);
          const after = await oneStatement(store, id, limit);
          assert.ok(before !== null && before.length > 0, `${id} is in the fixture`);
          assert.deepEqual(after, before, `${id}, limit ${limit}`);
        }
      }
      assert.equal(await twoStatements(store, "e".repeat(32), 10), null);
      assert.deepEqual(await oneStatement(store, "e".repeat(32), 10), []);
    });

    await t.step(
      "the slice still prunes partitions and granules (EXPLAIN indexes = 1)",
      async () => {
        const plan = await explain(store, traceSpansQuery(TRACE_A, "lookup", 100));
        // Partitions by day: the fixture has 3 days, TRACE_A's slice only one of them.
        const minMax = plan.match(/Min-Max[\s\S]*?Parts: (\d+)\/(\d+)/);
        assert.ok(minMax, plan);
        assert.equal(Number(minMax[1]), 1, plan);
        assert.ok(Number(minMax[2]) >= 3, plan);
        assert.match(plan, /Skip[\s\S]*Name: idx_trace_id/);
        // The subquery's bounds arrive as constants: the sorting key's condition names them.
        assert.match(plan, /PrimaryKey[\s\S]*?Condition: and\(\(toDateTime\(Timestamp\) in/);
      },
    );

    await t.step("getTrace runs one statement per lookup", async () => {
      const { store: recorded, queries } = recording(store);
      await getTrace(recorded, TRACE_A); // the first call also checks for the projection
      queries.length = 0;
      assert.ok(await getTrace(recorded, TRACE_C));
      assert.equal(await getTrace(recorded, "e".repeat(32)), null);
      assert.equal(queries.length, 2);
      for (const q of queries) assert.match(q, /^WITH \(SELECT \(min\(Start\), max\(End\)\)/);
    });

    await t.step("getTrace: spans, start, duration as before; across midnight", async () => {
      const trace = await getTrace(store, TRACE_C);
      assert.ok(trace);
      assert.equal(trace.spans.length, 12);
      assert.deepEqual(
        trace.spans.map((s) => s.spanId),
        Array.from({ length: 12 }, (_, i) => `c${i.toString(16).padStart(15, "0")}`),
      );
      assert.equal(trace.truncated, false);
      assert.equal(trace.start, "2026-11-24T23:59:54.000000000Z");
      assert.deepEqual(trace.spans[11].attributes, { "i": "11" });
      const a = await getTrace(store, TRACE_A.toUpperCase());
      assert.ok(a);
      assert.equal(a.traceId, TRACE_A);
      assert.deepEqual(a.spans.map((s) => s.service), ["frontend", "checkout", "payments"]);
      assert.equal(a.durationNs, 100_000_000);
      assert.equal(a.logs, undefined);
    });

    await t.step("maxSpans: the first spans by start, truncated set", async () => {
      const trace = await getTrace(store, TRACE_C, { maxSpans: 5 });
      assert.ok(trace);
      assert.equal(trace.truncated, true);
      assert.deepEqual(
        trace.spans.map((s) => s.spanId),
        Array.from({ length: 5 }, (_, i) => `c${i.toString(16).padStart(15, "0")}`),
      );
      const exact = await getTrace(store, TRACE_C, { maxSpans: 12 });
      assert.equal(exact?.truncated, false);
      assert.equal(exact?.spans.length, 12);
    });

    await t.step("logs: true fetches the trace's logs", async () => {
      const trace = await getTrace(store, TRACE_A, { logs: true });
      assert.deepEqual(trace?.logs?.map((l) => l.severityText), ["INFO", "ERROR"]);
      assert.equal(trace?.truncated, false);
      const truncated = await getTrace(store, TRACE_A, { logs: true, maxSpans: 1 });
      assert.equal(truncated?.spans.length, 1);
      assert.equal(truncated?.logs?.length, 1);
      assert.equal(truncated?.truncated, true);
    });

    await t.step("not found: null, also for an id only the lookup table knows", async () => {
      assert.equal(await getTrace(store, "e".repeat(32)), null);
      await store.command(
        `INSERT INTO otel_traces_trace_id_ts VALUES ('${"9".repeat(32)}', now(), now())`,
      );
      assert.equal(await getTrace(store, "9".repeat(32)), null);
    });

    await t.step("bad ids: InvalidParamError before any query", async () => {
      for (const bad of ["", "xyz", "a".repeat(31), "g".repeat(32), `${"a".repeat(31)}'`]) {
        await assert.rejects(getTrace(store, bad), InvalidParamError);
      }
    });

    await t.step("with the trace-id projection: the same answers", async () => {
      const before = await Promise.all(
        [TRACE_A, TRACE_C].map((id) => getTrace(store, id, { maxSpans: 5, logs: true })),
      );
      const options = { database: "tracehouse" };
      assert.equal(await setTraceIdProjection(store, { ...options, enabled: true }), "added");
      try {
        const after = await Promise.all(
          [TRACE_A, TRACE_C].map((id) => getTrace(store, id, { maxSpans: 5, logs: true })),
        );
        assert.deepEqual(after, before);
        assert.equal(await getTrace(store, "e".repeat(32)), null);
        // With the projection the spans query alone: no slice lookup.
        const { store: recorded, queries } = recording(store);
        await getTrace(recorded, TRACE_A);
        assert.equal(queries.length, 2); // the projection check, then the spans
        assert.doesNotMatch(queries[1], /otel_traces_trace_id_ts/);
      } finally {
        await setTraceIdProjection(store, { ...options, enabled: false });
      }
    });
  } finally {
    await store.close();
  }
});
