import assert from "node:assert/strict";
import { openFixtureStore, T0_MS, T0_NS } from "../testing/query_fixtures.ts";
import { TRACES_COLUMNS } from "../sql/schema.ts";
import { runRuleQuery } from "./query.ts";
import { RedCache } from "./red_cache.ts";
import type { RuleSpec } from "./rule_schema.ts";

Deno.test("RED cache: every filter/grouping level answers as the rule's own query does", async () => {
  const store = await openFixtureStore();
  try {
    const rows = [];
    for (let i = 0; i < 600; i++) {
      const service = ["a", "b", "c"][i % 3];
      rows.push({
        Timestamp: T0_NS + BigInt(i * 500) * 1_000_000n,
        TraceId: i.toString(16).padStart(32, "0"),
        SpanId: i.toString(16).padStart(16, "0"),
        ParentSpanId: "",
        TraceState: "",
        SpanName: ["GET /x", "POST /y"][i % 2],
        SpanKind: "Server",
        ServiceName: service,
        ResourceAttributes: {},
        ScopeName: "",
        ScopeVersion: "",
        SpanAttributes: {},
        Duration: BigInt(1 + (i * 7919) % 300) * 1_000_000n,
        StatusCode: i % 7 === 0 ? "Error" : "Unset",
        StatusMessage: "",
        "Events.Timestamp": [],
        "Events.Name": [],
        "Events.Attributes": [],
        "Links.TraceId": [],
        "Links.SpanId": [],
        "Links.TraceState": [],
        "Links.Attributes": [],
      });
    }
    await store.insert("otel_traces", rows, { columns: TRACES_COLUMNS });
    const cache = new RedCache(store);
    const now = T0_MS + 6 * 60_000;
    const base = { kind: "service_red", name: "r", window: 300_000, comparison: ">", threshold: 0 };
    const specs = [
      { signal: "error_rate" },
      { signal: "error_rate", group_by: ["operation"] },
      { signal: "p95", service: "a" },
      { signal: "p99", service: "b", operation: "POST /y" },
      { signal: "request_rate", operation: "GET /x" },
      { signal: "p50", operation: "GET /x", group_by: ["service"] },
      { signal: "p90", group_by: ["service", "operation"] },
      { signal: "error_rate", service: "a", group_by: ["operation"] },
      { signal: "error_rate", service: "nope" },
    ].map((s) => ({ ...base, ...s }) as RuleSpec);
    for (const spec of specs) {
      const direct = await runRuleQuery(store, spec, now);
      const cached = await runRuleQuery(store, spec, now, {}, { red: cache });
      const flat = (r: typeof direct) =>
        [...r.groups.entries()].sort().map(([k, v]) => [k, Number(v.value?.toFixed(6))]);
      const [d, c] = [flat(direct), flat(cached)];
      assert.equal(c.length, d.length, JSON.stringify(spec));
      // Rates and counts are exact; merged t-digest quantiles may differ in the last digits.
      for (let i = 0; i < d.length; i++) {
        assert.equal(c[i][0], d[i][0]);
        const [x, y] = [d[i][1] as number, c[i][1] as number];
        assert.ok(
          Math.abs(x - y) <= Math.max(1e-9, Math.abs(x) * 0.02),
          `${JSON.stringify(spec)}: ${x} vs ${y}`,
        );
      }
    }
    assert.ok(specs.length > 0);
  } finally {
    await store.close();
  }
});
