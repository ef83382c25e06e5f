import assert from "node:assert/strict";
import { FIXTURE_RANGE, openFixtureStore, TRACE_A } from "../testing/query_fixtures.ts";
import { parseTimeRange } from "../params/time.ts";
import {
  hasTraceIdProjection,
  setTraceIdProjection,
  TRACE_ID_PROJECTION,
  traceIdProjectionStatements,
} from "./trace_projection.ts";
import { getTrace, listTraces } from "./traces.ts";

Deno.test("trace-id projection: statements, single node and cluster", () => {
  assert.deepEqual(traceIdProjectionStatements({ database: "db", enabled: true }), [
    `ALTER TABLE \`db\`.\`otel_traces\` ADD PROJECTION IF NOT EXISTS ${TRACE_ID_PROJECTION} ` +
    "(SELECT * ORDER BY TraceId) WITH SETTINGS (index_granularity = 256)",
    `ALTER TABLE \`db\`.\`otel_traces\` MATERIALIZE PROJECTION ${TRACE_ID_PROJECTION}`,
  ]);
  assert.deepEqual(
    traceIdProjectionStatements({ database: "db", cluster: "c1", enabled: false }),
    [
      `ALTER TABLE \`db\`.\`otel_traces_local\` ON CLUSTER \`c1\` DROP PROJECTION IF EXISTS ${TRACE_ID_PROJECTION}`,
    ],
  );
  assert.throws(() => traceIdProjectionStatements({ database: "a`b", enabled: true }), TypeError);
  assert.throws(
    () => traceIdProjectionStatements({ database: "db", cluster: "x y", enabled: true }),
    TypeError,
  );
});

Deno.test("trace-id projection: added and dropped, same answers either way", async () => {
  const store = await openFixtureStore();
  try {
    const options = { database: "tracehouse" };
    const range = parseTimeRange(FIXTURE_RANGE);
    const before = {
      trace: await getTrace(store, TRACE_A),
      list: await listTraces(store, { range }, { limit: 3 }),
    };
    assert.equal(await hasTraceIdProjection(store, options), false);
    assert.equal(await setTraceIdProjection(store, { ...options, enabled: true }), "added");
    assert.equal(await hasTraceIdProjection(store, options), true);
    assert.equal(await setTraceIdProjection(store, { ...options, enabled: true }), "unchanged");
    assert.deepEqual(await getTrace(store, TRACE_A), before.trace);
    assert.deepEqual(await listTraces(store, { range }, { limit: 3 }), before.list);
    // The projection serves the lookup.
    const [plan] = await store.query<{ explain: string }>(
      `SELECT arrayStringConcat(groupArray(explain), '\\n') AS explain FROM (
         EXPLAIN projections = 1 SELECT SpanId FROM otel_traces WHERE TraceId = {id:String})`,
      { params: { id: TRACE_A } },
    );
    assert.match(plan.explain, new RegExp(TRACE_ID_PROJECTION));
    assert.equal(await setTraceIdProjection(store, { ...options, enabled: false }), "dropped");
    assert.equal(await hasTraceIdProjection(store, options), false);
    assert.equal(await setTraceIdProjection(store, { ...options, enabled: false }), "unchanged");
    assert.deepEqual(await getTrace(store, TRACE_A), before.trace);
  } finally {
    await store.close();
  }
});
