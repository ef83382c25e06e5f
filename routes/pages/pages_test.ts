import assert from "node:assert/strict";
import type { Store } from "../../sql/store.ts";
import { buildAssets, loadPrebuilt, writeAssets } from "../../ui/build/assets.ts";
import { durationField, parseAttrs } from "./filters.ts";
import { createPages } from "./mod.ts";
import { normaliseTime, timeState } from "./state.ts";
import { formatDuration, nsOf } from "../../ui/shared/format.ts";
import { withParams } from "../../ui/shared/url.ts";

/** A store with no data: every query answers no rows. */
function emptyStore(): Store {
  return {
    kind: "embedded",
    database: "default",
    query: () => Promise.resolve([]),
    queryWithStats: () =>
      Promise.resolve({ rows: [], stats: { rowsRead: 0, bytesRead: 0, elapsedMs: 0 } }),
    command: () => Promise.resolve(),
    insert: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}

Deno.test("timeState reads presets, absolute and datetime-local times, and falls back on errors", () => {
  const now = Date.UTC(2026, 10, 25, 12);
  const preset = timeState(new URLSearchParams("from=now-15m"), { now });
  assert.equal(preset.fromIso, "2026-11-25T11:45:00.000000000Z");
  assert.equal(preset.to, "now");
  const local = timeState(new URLSearchParams("from=2026-11-25T10:00&to=2026-11-25T11:00"), {
    now,
  });
  assert.equal(local.toIso, "2026-11-25T11:00:00.000000000Z");
  const bad = timeState(new URLSearchParams("from=yesterday&refresh=7s"), { now });
  assert.match(bad.error ?? "", /from/);
  assert.equal(bad.fromIso, "2026-11-25T11:00:00.000000000Z");
  assert.equal(bad.refresh, "");
  assert.equal(normaliseTime("2026-01-02T03:04"), "2026-01-02T03:04:00Z");
});

Deno.test("filters: attributes and durations", () => {
  assert.deepEqual(parseAttrs("http.route=/pay, env=prod"), {
    "http.route": "/pay",
    env: "prod",
  });
  assert.throws(() => parseAttrs("oops"), /attrs/);
  assert.equal(durationField("250ms", "minDuration"), 250_000_000n);
  assert.equal(durationField("15us", "minDuration"), 15_000n);
  assert.equal(durationField("", "minDuration"), undefined);
  assert.throws(() => durationField("soon", "minDuration"), /minDuration/);
});

Deno.test("format and url helpers", () => {
  assert.equal(formatDuration(850), "850 ns");
  assert.equal(formatDuration(61_000_000_000), "1m 01s");
  assert.equal(nsOf("2026-11-25T00:00:00.000000001Z") % 1_000_000_000n, 1n);
  assert.equal(withParams("/traces?cursor=x&from=now-1h", { cursor: null }), "/traces?from=now-1h");
});

Deno.test({
  name: "pages render without data: empty states, 404s, assets with immutable caching",
  sanitizeResources: false,
  async fn() {
    const assets = buildAssets();
    const app = createPages(emptyStore(), { otlpEndpoint: "http://127.0.0.1:4318", assets });
    const built = await assets;
    assert.equal(built.error, undefined);
    for (const path of ["/services", "/traces", "/logs", "/metrics"]) {
      const res = await app.request(path);
      assert.equal(res.status, 200, path);
      const html = await res.text();
      assert.match(html, /OTEL_EXPORTER_OTLP_ENDPOINT=http:\/\/127\.0\.0\.1:4318/, path);
      assert.match(html, /<script type="module" src="\/static\/[0-9a-f]+\/TimePicker\.js">/);
      assert.doesNotMatch(html, /<script>/, "no inline scripts");
    }
    const missing = await app.request(`/traces/${"a".repeat(32)}`);
    assert.equal(missing.status, 404);
    assert.match(await missing.text(), /Trace not found/);
    assert.equal((await app.request("/traces/nope")).status, 404);
    const bad = await app.request("/traces?attrs=oops");
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /attrs/);
    const redirect = await app.request("/?from=now-5m");
    assert.equal(redirect.headers.get("location"), "/services?from=now-5m");

    const js = await app.request(`${built.base}TimePicker.js`, {
      headers: { "Accept-Encoding": "gzip" },
    });
    assert.equal(js.status, 200);
    assert.equal(js.headers.get("content-encoding"), "gzip");
    assert.match(js.headers.get("cache-control") ?? "", /immutable/);
    await js.body?.cancel();
    const css = await app.request(built.css);
    assert.match(await css.text(), /prefers-color-scheme: dark/);
    assert.equal((await app.request("/static/000000000000/TimePicker.js")).status, 404);
  },
});

Deno.test({
  name: "prebuilt assets (for compiled binaries) load back identical to a fresh build",
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "tracehouse-ui-build-" });
    try {
      const written = await writeAssets(dir);
      assert.ok(written.includes("manifest.json") && written.includes("app.css"));
      const loaded = await loadPrebuilt(dir);
      const fresh = await buildAssets({ prebuiltDir: dir });
      assert.equal(loaded.base, fresh.base);
      assert.deepEqual([...loaded.islands.entries()], [...fresh.islands.entries()]);
      assert.ok(loaded.islands.has("Waterfall"));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
