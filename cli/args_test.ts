import assert from "node:assert/strict";
import { attrParams, durationFlag, parseFlags, timeRange } from "./args.ts";
import { UsageError } from "./errors.ts";

Deno.test("timeRange resolves --since and --from/--to once, to absolute times", () => {
  const now = Date.parse("2026-12-01T12:00:00Z");
  assert.deepEqual(timeRange({}, now), {
    from: "2026-12-01T11:00:00.000000000Z",
    to: "2026-12-01T12:00:00.000000000Z",
  });
  assert.deepEqual(timeRange({ from: "now-2h", to: "now-1h" }, now), {
    from: "2026-12-01T10:00:00.000000000Z",
    to: "2026-12-01T11:00:00.000000000Z",
  });
  assert.deepEqual(
    timeRange({ from: "2026-12-01T10:00:00.123456789+01:00" }, now).from,
    "2026-12-01T09:00:00.123456789Z",
  );
  assert.throws(() => timeRange({ since: "1h", from: "now-2h" }, now), UsageError);
  assert.throws(() => timeRange({ from: "now", to: "now-1h" }, now), /range is empty/);
  assert.throws(() => timeRange({ from: "yesterday" }, now), /Invalid --from: expected RFC 3339/);
  assert.throws(() => timeRange({ since: "-5m" }, now), /Invalid --since/);
});

Deno.test("durations, attributes and unknown flags", () => {
  assert.equal(durationFlag({ d: "1.5s" }, "d"), 1500);
  assert.equal(durationFlag({ d: "250us" }, "d"), 0.25);
  assert.throws(() => durationFlag({ d: "5 minutes" }, "d"), /Invalid --d "5 minutes"/);
  assert.deepEqual(attrParams({ attr: ["http.route=/a=b", "k="] }), [
    ["attr.http.route", "/a=b"],
    ["attr.k", ""],
  ]);
  assert.throws(() => attrParams({ attr: ["=x"] }), /expected key=value/);
  const specs = { limit: { type: "string" as const, description: "" } };
  const parsed = parseFlags(["--limit", "3", "x"], specs);
  assert.deepEqual({ ...parsed.flags }, { limit: "3" });
  assert.deepEqual(parsed.positionals, ["x"]);
  assert.throws(() => parseFlags(["--limt", "3"], specs), /Unknown option '--limt'/);
  assert.throws(() => parseFlags(["--limit"], specs), UsageError);
});
