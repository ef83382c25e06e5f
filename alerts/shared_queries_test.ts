import assert from "node:assert/strict";
import { openFixtureStore, T0_MS, T0_NS } from "../testing/query_fixtures.ts";
import { LOGS_COLUMNS } from "../sql/schema.ts";
import { runRuleQuery } from "./query.ts";
import type { RuleSpec } from "./rule_schema.ts";
import { SharedQueries } from "./shared_queries.ts";

Deno.test("shared log counts answer every simple log rule as its own query does", async () => {
  const store = await openFixtureStore();
  try {
    const logs = [];
    for (let i = 0; i < 300; i++) {
      const service = ["api", "web", "db"][i % 3];
      logs.push({
        Timestamp: T0_NS + BigInt(i * 1000) * 1_000_000n,
        TraceId: "",
        SpanId: "",
        TraceFlags: 0,
        SeverityText: "",
        SeverityNumber: [5, 9, 13, 17, 21][i % 5],
        ServiceName: service,
        Body: `line ${i}`,
        ResourceSchemaUrl: "",
        ResourceAttributes: {},
        ScopeSchemaUrl: "",
        ScopeName: "",
        ScopeVersion: "",
        ScopeAttributes: {},
        LogAttributes: {},
        EventName: "",
      });
    }
    await store.insert("otel_logs", logs, { columns: LOGS_COLUMNS });
    const shared = new SharedQueries(store);
    const base = { kind: "log_count", name: "r", window: 120_000, comparison: ">", threshold: 0 };
    const specs = [
      {},
      { severity: "warn" },
      { severity: "error", group_by: ["service"] },
      { service: "api" },
      { service: "api", severity: "fatal", group_by: ["service"] },
      { service: "nope" },
      { service: "nope", group_by: ["service"] },
    ].map((s) => ({ ...base, ...s }) as RuleSpec);
    const now = T0_MS + 200_500;
    for (const spec of specs) {
      const direct = await runRuleQuery(store, spec, now);
      const viaShared = await runRuleQuery(store, spec, now, {}, { queries: shared });
      const flat = (r: typeof direct) => [...r.groups.entries()].sort();
      assert.deepEqual(flat(viaShared), flat(direct), JSON.stringify(spec));
    }
    // Windows end at whole seconds, so both evaluations shared one query.
    assert.ok(specs.length > 3);
  } finally {
    await store.close();
  }
});
