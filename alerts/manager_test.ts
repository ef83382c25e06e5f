import assert from "node:assert/strict";
import { createApiApp } from "../routes/api/mod.ts";
import { openFixtureStore } from "../testing/query_fixtures.ts";
import { AlertManager } from "./manager.ts";

const FILE = `rules:
  - name: batch-logs
    kind: log_count
    service: batch
    window: 1m
    interval: 1h
    comparison: ">"
    threshold: 1000
`;

Deno.test("alert manager: status, silences through the API, reloads that fail keep the rules", async () => {
  const store = await openFixtureStore();
  const dir = await Deno.makeTempDir({ prefix: "tracehouse-alerts-manager-" });
  const file = `${dir}/alerts.yaml`;
  await Deno.writeTextFile(file, FILE);
  const alerts = await AlertManager.start(store, { file, watch: false });
  try {
    const app = createApiApp(store, { cacheSize: 0 }, { alerts });
    const call = async (path: string, init?: RequestInit) => {
      const res = await app.request(path, init);
      return { status: res.status, body: res.status === 204 ? null : await res.json() };
    };
    const status = await call("/alerts");
    assert.equal(status.status, 200);
    assert.equal(status.body.enabled, true);
    assert.deepEqual(status.body.rules.map((r: { name: string }) => r.name), ["batch-logs"]);

    const post = (body: unknown) =>
      call("/alerts/silences", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const created = await post({
      matchers: { alertname: "batch-logs" },
      duration: "2h",
      comment: "x",
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.match(created.body.id, /^[0-9a-f-]{36}$/);
    assert.deepEqual((await call("/alerts")).body.silences.map((s: { id: string }) => s.id), [
      created.body.id,
    ]);
    for (
      const [body, message] of [
        [{ matchers: { alertname: "x" } }, /duration.*endsAt/],
        [
          { matchers: { alertname: "x" }, duration: "2h", endsAt: "2030-01-01T00:00:00Z" },
          /either/,
        ],
        [{ matchers: { alertname: "x" }, endsAt: "2001-01-01T00:00:00Z" }, /future/],
        [{ matchers: { alertname: "x" }, duration: "400d" }, /366 days/],
        [{ matchers: { "bad label": "x" }, duration: "1h" }, /"matchers": Invalid key/],
        [{ matchers: { alertname: "x" }, duration: "1h", extra: 1 }, /extra|Unrecognized/i],
      ] as const
    ) {
      const res = await post(body);
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.match(res.body.error.message, message);
    }
    assert.equal(
      (await call(`/alerts/silences/${created.body.id}`, { method: "DELETE" })).status,
      204,
    );
    assert.equal(
      (await call(`/alerts/silences/${created.body.id}`, { method: "DELETE" })).status,
      404,
    );
    assert.equal((await call("/alerts/silences/not-a-uuid", { method: "DELETE" })).status, 400);
    assert.deepEqual((await call("/alerts")).body.silences, []);

    await Deno.writeTextFile(file, "rules: 7\n");
    await alerts.reload();
    const broken = (await call("/alerts")).body;
    assert.match(broken.reloadError, /alerts\.yaml:1:8: rules: Invalid input: expected array/);
    assert.equal(broken.rules.length, 1);
    // SIGHUP reloads (the file is not watched here).
    await Deno.writeTextFile(file, FILE.replace("batch-logs", "batch-logs-2"));
    Deno.kill(Deno.pid, "SIGHUP");
    let fixed = (await call("/alerts")).body;
    for (let i = 0; i < 50 && fixed.rules[0].name !== "batch-logs-2"; i++) {
      await new Promise((r) => setTimeout(r, 100));
      fixed = (await call("/alerts")).body;
    }
    assert.equal(fixed.reloadError, null);
    assert.deepEqual(fixed.rules.map((r: { name: string }) => r.name), ["batch-logs-2"]);
    assert.equal((await call("/alerts/history?limit=0x")).status, 400);
  } finally {
    await alerts.stop();
    await store.close();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
