/**
 * Alerting end to end: a running Tracehouse with an alerts file, error logs sent over OTLP by the
 * OpenTelemetry JS SDK that push a rule over its threshold and then age out of its window, a
 * local HTTP receiver recording the webhooks, a restart in the middle, silences from the file
 * and the API, `no_data`, reloads, and a bad rules file refused at start.
 */
import assert from "node:assert/strict";
import { SeverityNumber } from "@opentelemetry/api-logs";
import { OTLPLogExporter } from "@opentelemetry/exporter-logs-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { LoggerProvider, SimpleLogRecordProcessor } from "@opentelemetry/sdk-logs";
import { startReceiver } from "../alerts/test_receiver.ts";
import { sign } from "../alerts/webhook.ts";
import { startTracehouse, type Tracehouse } from "./interop/server.ts";

// deno-lint-ignore no-explicit-any
type Json = any;
const SECRET = "e2e-secret-0123456789";

function alertsFile(hook: string, extra = ""): string {
  return `receivers:
  - name: hook
    type: webhook
    url: ${hook}
    secret_env: E2E_HOOK_SECRET
rules:
  - name: checkout-errors
    kind: log_count
    service: checkout
    severity: error
    window: 30s
    interval: 1s
    for: 2s
    comparison: ">="
    threshold: 5
    annotations: { summary: "{{value}} error logs in checkout" }
  - name: checkout-any-error
    kind: log_count
    service: checkout
    severity: error
    window: 30s
    interval: 1s
    comparison: ">="
    threshold: 1
  - name: checkout-warnings
    kind: log_count
    service: checkout
    severity: warn
    window: 30s
    interval: 1s
    comparison: ">="
    threshold: 1
  - name: ghost-latency
    kind: service_red
    signal: p95
    service: ghost
    window: 1m
    interval: 1s
    comparison: ">"
    threshold: 250
    no_data: alert
  - name: ghost-quiet
    kind: service_red
    signal: p95
    service: ghost
    window: 1m
    interval: 1s
    comparison: ">"
    threshold: 250
    no_data: ok
${extra}silences:
  - matchers: { alertname: checkout-warnings }
    ends: 2100-01-01T00:00:00Z
    comment: known noisy
`;
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function uiUrl(th: Tracehouse): string {
  const url = /tracehouse: ui listening on (\S+)/.exec(th.output())?.[1];
  assert.ok(url, th.output());
  return url;
}

async function api(th: Tracehouse, path: string, init?: RequestInit): Promise<Json> {
  const res = await fetch(`${uiUrl(th)}/api${path}`, init);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

function rule(status: Json, name: string): Json {
  return status.rules.find((r: Json) => r.name === name);
}

Deno.test({
  name:
    "alerts e2e: pending → firing → resolved over OTLP, one webhook per transition across a restart",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const receiver = startReceiver();
    const dir = await Deno.makeTempDir({ prefix: "tracehouse-alerts-e2e-" });
    const file = `${dir}/alerts.yaml`;
    await Deno.writeTextFile(file, alertsFile(`${receiver.url}/hook`));
    const env = { TRACEHOUSE_ALERTS_FILE: file, E2E_HOOK_SECRET: SECRET };
    let th = await startTracehouse(`${dir}/data`, env);
    try {
      // no_data: the alerting rule fires on its first evaluation, the ok one never does.
      const ghost = await waitFor("ghost-latency webhook", () =>
        Promise.resolve(
          receiver.calls.find((c) => c.json?.alerts?.[0]?.rule === "ghost-latency"),
        ));
      assert.equal(ghost.json.alerts[0].value, null);
      assert.equal(ghost.json.status, "firing");
      assert.equal(
        ghost.headers["x-tracehouse-signature"],
        await sign(SECRET, Number(ghost.headers["x-tracehouse-timestamp"]), ghost.body),
      );

      // A silence through the API, before the data that would fire its rule.
      const silence = await api(th, "/alerts/silences", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          matchers: { alertname: "checkout-any-error" },
          duration: "1h",
          comment: "e2e",
        }),
      });
      assert.equal(silence.status, 201, JSON.stringify(silence.body));
      const bad = await api(th, "/alerts/silences", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ matchers: {}, duration: "1h" }),
      });
      assert.equal(bad.status, 400);
      assert.match(bad.body.error.message, /matchers/);

      // 8 error logs and a warning from "checkout", over OTLP from the JS SDK.
      const provider = new LoggerProvider({
        resource: resourceFromAttributes({ "service.name": "checkout" }),
        processors: [
          new SimpleLogRecordProcessor({
            exporter: new OTLPLogExporter({ url: `${th.otlpUrl}/v1/logs` }),
          }),
        ],
      });
      const logger = provider.getLogger("e2e");
      const sentAt = Date.now();
      for (let i = 0; i < 8; i++) {
        logger.emit({
          severityNumber: SeverityNumber.ERROR,
          severityText: "ERROR",
          body: `payment ${i} failed`,
        });
      }
      logger.emit({ severityNumber: SeverityNumber.WARN, severityText: "WARN", body: "slow" });
      await provider.forceFlush();
      await provider.shutdown();

      const firing = await waitFor("checkout-errors firing", async () => {
        const { body } = await api(th, "/alerts");
        return rule(body, "checkout-errors").state === "firing" ? body : undefined;
      });
      const group = rule(firing, "checkout-errors").groups[0];
      // `for: 2s` at a 1 s interval: firing at least 2 s after it turned pending.
      assert.ok(
        Date.parse(group.firedAt) - Date.parse(group.activeAt) >= 2000,
        JSON.stringify(group),
      );
      assert.ok(Date.parse(group.activeAt) >= sentAt - 1000);
      await waitFor("the firing webhook", () =>
        Promise.resolve(
          receiver.calls.find((c) => c.json?.alerts?.[0]?.rule === "checkout-errors")
            ? true
            : undefined,
        ));
      // The silenced rules fire but send nothing; the status says they are silenced.
      const silenced = await waitFor("silenced rules firing", async () => {
        const { body } = await api(th, "/alerts");
        return rule(body, "checkout-any-error").state === "firing" &&
            rule(body, "checkout-warnings").state === "firing"
          ? body
          : undefined;
      });
      assert.equal(rule(silenced, "checkout-any-error").groups[0].silenced, true);
      assert.equal(rule(silenced, "checkout-warnings").groups[0].silenced, true);
      assert.equal(rule(silenced, "ghost-quiet").state, "ok");
      assert.deepEqual(
        silenced.silences.map((s: Json) => s.source).sort(),
        ["api", "file"],
      );

      // Restart while firing: the state comes back from ClickHouse; nothing is sent again.
      await th.stop();
      th = await startTracehouse(`${dir}/data`, env);
      const after = await waitFor("an evaluation after the restart", async () => {
        const { body } = await api(th, "/alerts");
        return rule(body, "checkout-errors").lastEvaluation ? body : undefined;
      });
      // Still inside the 30 s window: firing, as stored before the restart.
      assert.equal(rule(after, "checkout-errors").state, "firing");

      // The logs leave the 30 s window: resolved, one resolved webhook.
      await waitFor("checkout-errors resolved", async () => {
        const { body } = await api(th, "/alerts");
        return ["resolved", "ok"].includes(rule(body, "checkout-errors").state) ? true : undefined;
      }, 90_000);
      await waitFor("the resolved webhook", () =>
        Promise.resolve(
          receiver.calls.find((c) =>
              c.json?.alerts?.[0]?.rule === "checkout-errors" && c.json.status === "resolved"
            )
            ? true
            : undefined,
        ));
      // One more evaluation round, then count.
      await new Promise((r) => setTimeout(r, 2500));
      const mine = receiver.calls.filter((c) => c.json?.alerts?.[0]?.rule === "checkout-errors");
      assert.deepEqual(mine.map((c) => c.json.status), ["firing", "resolved"]);
      assert.equal(mine[0].json.alerts[0].annotations.summary, "8 error logs in checkout");
      const rules = new Set(receiver.calls.flatMap((c) => c.json.alerts.map((a: Json) => a.rule)));
      assert.ok(!rules.has("checkout-any-error") && !rules.has("checkout-warnings"));
      assert.ok(!rules.has("ghost-quiet"));
      // ghost-latency fired once, before the restart, and was not sent again after it.
      assert.equal(
        receiver.calls.filter((c) => c.json.alerts[0].rule === "ghost-latency").length,
        1,
      );
      const history = await api(th, "/alerts/history?rule=checkout-errors");
      const path = history.body.transitions.map((t: Json) => `${t.from}>${t.to}`).reverse();
      assert.deepEqual(path.slice(0, 3), ["ok>pending", "pending>firing", "firing>resolved"]);

      // Reload: an invalid edit keeps the rules and reports the error; a valid one adds a rule.
      await Deno.writeTextFile(file, "rules:\n  - name: x\n    kind: nope\n");
      const broken = await waitFor("the reload error", async () => {
        const { body } = await api(th, "/alerts");
        return body.reloadError ? body : undefined;
      });
      assert.match(broken.reloadError, /alerts\.yaml:3:11: rules\[0\]\.kind/);
      assert.equal(broken.rules.length, 5);
      await Deno.writeTextFile(
        file,
        alertsFile(
          `${receiver.url}/hook`,
          `  - name: added-later
    kind: new_error_group
    window: 5m
    interval: 1s
`,
        ),
      );
      const reloaded = await waitFor("the reloaded rules", async () => {
        const { body } = await api(th, "/alerts");
        return body.rules.length === 6 && !body.reloadError ? body : undefined;
      });
      assert.equal(rule(reloaded, "added-later").kind, "new_error_group");
    } finally {
      await th.stop();
      await receiver.close();
    }
  },
});

Deno.test({
  name: "alerts e2e: a bad rules file stops the start with its line and field",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "tracehouse-alerts-bad-" });
    const file = `${dir}/alerts.yaml`;
    await Deno.writeTextFile(
      file,
      "rules:\n  - name: slow\n    kind: service_red\n    signal: p95\n    window: 5m\n    comparison: '>'\n    threshold: fast\n",
    );
    await assert.rejects(
      startTracehouse(`${dir}/data`, { TRACEHOUSE_ALERTS_FILE: file }),
      (error: Error) => {
        assert.match(error.message, /Tracehouse exited before listening/);
        assert.match(
          error.message,
          /Invalid alerts file .*alerts\.yaml:\n {2}.*alerts\.yaml:7:16: rules\[0\]\.threshold: Invalid input: expected number, received string/,
        );
        return true;
      },
    );
  },
});
