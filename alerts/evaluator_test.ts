import assert from "node:assert/strict";
import { openFixtureStore, T0_MS, T0_NS } from "../testing/query_fixtures.ts";
import { LOGS_COLUMNS, TRACES_COLUMNS } from "../sql/schema.ts";
import type { Store } from "../sql/store.ts";
import { ManualClock } from "./clock.ts";
import { Evaluator } from "./evaluator.ts";
import { Notifier } from "./notifier.ts";
import { type AlertsConfig, parseAlertsFile } from "./rules_file.ts";
import { fileSilences, type Silence } from "./silences.ts";
import { AlertStateStore } from "./state_store.ts";
import { startReceiver, type TestReceiver } from "./test_receiver.ts";
import { sign } from "./webhook.ts";

const MIN = 60_000;
const SECRET = "a-very-secret-hmac-key";

/** Spans of service "shop": per minute m, 10 spans, `errors(m)` of them errors. */
async function insertShop(store: Store, minutes: number, errors: (m: number) => number) {
  const rows = [];
  for (let m = 0; m < minutes; m++) {
    for (let i = 0; i < 10; i++) {
      rows.push({
        Timestamp: T0_NS + BigInt(m * MIN + i * 1000) * 1_000_000n,
        TraceId: `${m.toString(16).padStart(16, "0")}${i.toString(16).padStart(16, "0")}`,
        SpanId: `${m.toString(16).padStart(8, "0")}${i.toString(16).padStart(8, "0")}`,
        ParentSpanId: "",
        TraceState: "",
        SpanName: "GET /cart",
        SpanKind: "Server",
        ServiceName: "shop",
        ResourceAttributes: { "service.name": "shop" },
        ScopeName: "t",
        ScopeVersion: "1",
        SpanAttributes: {},
        Duration: 5_000_000n,
        StatusCode: i < errors(m) ? "Error" : "Unset",
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
  }
  await store.insert("otel_traces", rows, { columns: TRACES_COLUMNS });
}

function rulesFile(receiverUrl: string): string {
  return `receivers:
  - name: hook
    type: webhook
    url: ${receiverUrl}/hook
    headers: { X-Team: shop }
    secret: ${SECRET}
    repeat_interval: 1h
  - name: chat
    type: slack
    url: ${receiverUrl}/slack
rules:
  - name: shop-errors
    kind: service_red
    signal: error_rate
    service: shop
    window: 1m
    interval: 1m
    for: 1m
    comparison: ">"
    threshold: 0.5
    labels: { severity: page }
    annotations: { summary: "error rate {{value}} on shop" }
  - name: ghost-latency
    kind: service_red
    signal: p95
    service: ghost
    window: 1m
    comparison: ">"
    threshold: 100
    no_data: alert
    receivers: [hook]
  - name: ghost-quiet
    kind: service_red
    signal: p95
    service: ghost
    window: 1m
    comparison: ">"
    threshold: 100
    no_data: ok
    receivers: [hook]
  - name: payment-logs
    kind: log_count
    severity: error
    text: payment
    window: 5m
    group_by: [service]
    comparison: ">="
    threshold: 2
    receivers: [hook]
silences:
  - matchers: { alertname: payment-logs, service: legacy }
    ends: 2100-01-01T00:00:00Z
`;
}

interface Harness {
  clock: ManualClock;
  evaluator: Evaluator;
  notifier: Notifier;
  config: AlertsConfig;
  run(name: string, at: number): Promise<void>;
}

function harness(store: Store, config: AlertsConfig, clock: ManualClock): Harness {
  const silences: Silence[] = fileSilences(config.silences);
  const notifier: Notifier = new Notifier({
    clock,
    onDelivered: (r, sent, at) => evaluator.delivered(r, sent, at),
  });
  notifier.setReceivers(config.receivers);
  const evaluator: Evaluator = new Evaluator({
    store,
    states: new AlertStateStore(store),
    notifier,
    clock,
    silences: () => silences,
    receivers: () => config.receivers,
    queryTimeoutSeconds: 10,
  });
  return {
    clock,
    evaluator,
    notifier,
    config,
    run: async (name, at) => {
      await clock.advance(at - clock.now());
      await evaluator.evaluate(config.rules.find((r) => r.name === name)!);
      assert.equal(evaluator.lastRun(name)?.error, null);
      await clock.advance(0);
      await notifier.idle();
    },
  };
}

function states(h: Harness, rule: string): string[] {
  return h.evaluator.groups(rule).map((g) => `${JSON.stringify(g.labels)}=${g.state}`);
}

Deno.test("evaluator: RED rule ok → pending → firing → resolved, notified once per transition, across a restart", async () => {
  const store = await openFixtureStore();
  const receiver: TestReceiver = startReceiver();
  try {
    // 80% errors in minutes 0-2, none from minute 3.
    await insertShop(store, 6, (m) => m < 3 ? 8 : 0);
    const config = parseAlertsFile(rulesFile(receiver.url), "alerts.yaml");
    const clock = new ManualClock(T0_MS);
    let h = harness(store, config, clock);
    await h.evaluator.adopt(config.rules);
    // At T0+1m the window is minute 0: 0.8 > 0.5 → pending.
    await h.run("shop-errors", T0_MS + 1 * MIN + 500);
    assert.deepEqual(states(h, "shop-errors"), ["{}=pending"]);
    assert.equal(receiver.calls.length, 0);
    // Held for 1 minute → firing: one call per receiver.
    await h.run("shop-errors", T0_MS + 2 * MIN + 500);
    assert.deepEqual(states(h, "shop-errors"), ["{}=firing"]);
    assert.deepEqual(receiver.calls.map((c) => c.path).sort(), ["/hook", "/slack"]);
    const hook = receiver.calls.find((c) => c.path === "/hook")!;
    assert.equal(hook.json.version, "1");
    assert.equal(hook.json.status, "firing");
    assert.equal(hook.json.receiver, "hook");
    const [alert] = hook.json.alerts;
    assert.equal(alert.rule, "shop-errors");
    assert.equal(alert.value, 0.8);
    assert.deepEqual(alert.labels, { severity: "page", alertname: "shop-errors" });
    assert.equal(alert.annotations.summary, "error rate 0.8 on shop");
    assert.equal(alert.startsAt, new Date(T0_MS + 2 * MIN + 500).toISOString());
    assert.equal(alert.endsAt, null);
    assert.equal(hook.headers["x-team"], "shop");
    assert.equal(
      hook.headers["x-tracehouse-signature"],
      await sign(SECRET, Number(hook.headers["x-tracehouse-timestamp"]), hook.body),
    );
    const slack = receiver.calls.find((c) => c.path === "/slack")!;
    assert.match(slack.json.text, /^:red_circle: \*FIRING\* shop-errors — error rate 0\.8 on shop/);
    assert.equal(slack.headers["x-tracehouse-signature"], undefined);

    // Restart: a new evaluator reads the stored state; still firing, nothing sent again.
    h = harness(store, config, clock);
    await h.evaluator.adopt(config.rules);
    assert.deepEqual(states(h, "shop-errors"), ["{}=firing"]);
    await h.run("shop-errors", T0_MS + 3 * MIN + 500);
    assert.deepEqual(states(h, "shop-errors"), ["{}=firing"]);
    assert.equal(receiver.calls.length, 2);
    // Minute 3 has no errors → resolved, one message per receiver.
    await h.run("shop-errors", T0_MS + 4 * MIN + 500);
    assert.deepEqual(states(h, "shop-errors"), ["{}=resolved"]);
    assert.equal(receiver.calls.length, 4);
    const resolved = receiver.calls.filter((c) => c.path === "/hook")[1].json;
    assert.equal(resolved.status, "resolved");
    assert.equal(resolved.alerts[0].endsAt, new Date(T0_MS + 4 * MIN + 500).toISOString());
    await h.run("shop-errors", T0_MS + 5 * MIN + 500);
    assert.equal(receiver.calls.length, 4);
    // The history holds every transition.
    const history = await new AlertStateStore(store).history({ rule: "shop-errors" });
    assert.deepEqual(history.map((t) => `${t.from}>${t.to}`).reverse(), [
      "ok>pending",
      "pending>firing",
      "firing>resolved",
      "resolved>ok",
    ]);
  } finally {
    await receiver.close();
    await store.close();
  }
});

Deno.test("evaluator: no_data alert fires, no_data ok stays quiet; counts per group; silences", async () => {
  const store = await openFixtureStore();
  const receiver = startReceiver();
  try {
    const config = parseAlertsFile(rulesFile(receiver.url), "alerts.yaml");
    const clock = new ManualClock(T0_MS);
    const h = harness(store, config, clock);
    await h.evaluator.adopt(config.rules);
    await h.run("ghost-latency", T0_MS + MIN);
    await h.run("ghost-quiet", T0_MS + MIN);
    assert.deepEqual(states(h, "ghost-latency"), ["{}=firing"]);
    assert.deepEqual(states(h, "ghost-quiet"), []);
    assert.equal(receiver.calls.length, 1);
    assert.equal(receiver.calls[0].json.alerts[0].rule, "ghost-latency");
    assert.equal(receiver.calls[0].json.alerts[0].value, null);

    // Error logs mentioning payment: 3 in "billing", 2 in "legacy" (silenced), 1 in "web".
    const log = (service: string, i: number) => ({
      Timestamp: T0_NS + BigInt(2 * MIN + i * 1000) * 1_000_000n,
      TraceId: "",
      SpanId: "",
      TraceFlags: 0,
      SeverityText: "ERROR",
      SeverityNumber: 17,
      ServiceName: service,
      Body: `Payment failed #${i}`,
      ResourceSchemaUrl: "",
      ResourceAttributes: { "service.name": service },
      ScopeSchemaUrl: "",
      ScopeName: "t",
      ScopeVersion: "1",
      ScopeAttributes: {},
      LogAttributes: {},
      EventName: "",
    });
    await store.insert(
      "otel_logs",
      [
        log("billing", 1),
        log("billing", 2),
        log("billing", 3),
        log("legacy", 4),
        log("legacy", 5),
        log("web", 6),
      ],
      { columns: LOGS_COLUMNS },
    );
    await h.run("payment-logs", T0_MS + 3 * MIN);
    assert.deepEqual(states(h, "payment-logs").sort(), [
      '{"service":"billing"}=firing',
      '{"service":"legacy"}=firing',
      '{"service":"web"}=ok',
    ]);
    // One message for the rule's groups; the silenced group is not in it.
    assert.equal(receiver.calls.length, 2);
    assert.deepEqual(
      receiver.calls[1].json.alerts.map((a: { labels: { service: string } }) => a.labels.service),
      [
        "billing",
      ],
    );
    // Five minutes later the logs left the window: counted zero, resolved; only billing was
    // notified as firing, so only billing gets a resolved message.
    await h.run("payment-logs", T0_MS + 9 * MIN);
    assert.deepEqual(states(h, "payment-logs").sort(), [
      '{"service":"billing"}=resolved',
      '{"service":"legacy"}=resolved',
    ]);
    assert.equal(receiver.calls.length, 3);
    assert.equal(receiver.calls[2].json.status, "resolved");
    assert.deepEqual(
      receiver.calls[2].json.alerts.map((a: { labels: { service: string } }) => a.labels.service),
      [
        "billing",
      ],
    );
  } finally {
    await receiver.close();
    await store.close();
  }
});

Deno.test("notifier: retries with backoff on 5xx, then gives up and owes the message again", async () => {
  const store = await openFixtureStore();
  const receiver = startReceiver();
  try {
    const config = parseAlertsFile(rulesFile(receiver.url), "alerts.yaml");
    const clock = new ManualClock(T0_MS);
    const h = harness(store, config, clock);
    await h.evaluator.adopt(config.rules);
    receiver.status = 503;
    await h.evaluator.evaluate(config.rules.find((r) => r.name === "ghost-latency")!);
    // Attempts at +0, +1 s, +3 s, +7 s, +15 s (5 attempts), then it gives up.
    for (let i = 0; i < 20; i++) await clock.advance(1000);
    await h.notifier.idle();
    assert.equal(receiver.calls.length, 5);
    assert.equal(h.notifier.stats.failed, 1);
    // Still owed: the next evaluation sends it again, and this time it is accepted.
    receiver.status = 200;
    await h.run("ghost-latency", clock.now() + MIN);
    assert.equal(receiver.calls.length, 6);
    await h.run("ghost-latency", clock.now() + MIN);
    assert.equal(receiver.calls.length, 6);
  } finally {
    await receiver.close();
    await store.close();
  }
});

Deno.test("evaluator: metric rules per group from the rollup; new error groups fire once, then resolve", async () => {
  const store = await openFixtureStore();
  const receiver = startReceiver();
  try {
    const config = parseAlertsFile(
      `receivers:
  - name: hook
    type: webhook
    url: ${receiver.url}/hook
rules:
  - name: cpu
    kind: metric
    metric: process.cpu.utilization
    agg: avg
    window: 5m
    group_by: [attr.cpu.mode]
    comparison: ">"
    threshold: 0.4
  - name: cpu-per-pod
    kind: metric
    metric: process.cpu.utilization
    agg: max
    reduce: max
    window: 5m
    comparison: ">"
    threshold: 0.7
  - name: new-errors
    kind: new_error_group
    window: 5m
    annotations: { summary: "new {{context.type}} in {{context.services}}" }
`,
      "alerts.yaml",
    );
    const clock = new ManualClock(T0_MS);
    const h = harness(store, config, clock);
    await h.evaluator.adopt(config.rules);
    // Gauge: pod-1 at 0.25, pod-2 at 0.75 every 10 s for 30 minutes; avg 0.5, max 0.75.
    await h.run("cpu", T0_MS + 10 * MIN);
    assert.deepEqual(states(h, "cpu"), ['{"attr.cpu.mode":"user"}=firing']);
    assert.equal(h.evaluator.groups("cpu")[0].value, 0.5);
    await h.run("cpu-per-pod", T0_MS + 10 * MIN);
    assert.equal(h.evaluator.groups("cpu-per-pod")[0].value, 0.75);

    // A fingerprint first seen at T0+2m: new for the 5 minutes after, then no longer new.
    await store.insert("otel_traces", [{
      Timestamp: T0_NS + BigInt(2 * MIN) * 1_000_000n,
      TraceId: "c".repeat(32),
      SpanId: "c".repeat(16),
      ParentSpanId: "",
      TraceState: "",
      SpanName: "GET /new",
      SpanKind: "Server",
      ServiceName: "shop",
      ResourceAttributes: {},
      ScopeName: "",
      ScopeVersion: "",
      SpanAttributes: { "error.fingerprint": "00000000000000aa" },
      Duration: 1n,
      StatusCode: "Error",
      StatusMessage: "",
      "Events.Timestamp": [T0_NS + BigInt(2 * MIN) * 1_000_000n],
      "Events.Name": ["exception"],
      "Events.Attributes": [{ "exception.type": "NewError", "exception.message": "first time" }],
      "Links.TraceId": [],
      "Links.SpanId": [],
      "Links.TraceState": [],
      "Links.Attributes": [],
    }], { columns: TRACES_COLUMNS });
    await h.run("new-errors", T0_MS + 3 * MIN);
    assert.deepEqual(states(h, "new-errors"), ['{"fingerprint":"00000000000000aa"}=firing']);
    const fired = receiver.calls.find((c) => c.json.alerts[0].rule === "new-errors")!;
    assert.equal(fired.json.alerts[0].annotations.summary, "new NewError in shop");
    await h.run("new-errors", T0_MS + 8 * MIN);
    assert.deepEqual(states(h, "new-errors"), ['{"fingerprint":"00000000000000aa"}=resolved']);
    assert.equal(receiver.calls.filter((c) => c.json.alerts[0].rule === "new-errors").length, 2);
  } finally {
    await receiver.close();
    await store.close();
  }
});
