import assert from "node:assert/strict";
import { parseAlertsFile, RulesFileError } from "./rules_file.ts";

const GOOD = `defaults:
  interval: 30s
  no_data: ok
receivers:
  - name: oncall
    type: webhook
    url: http://127.0.0.1:9/hook
    headers: { X-Team: core }
    secret_env: HOOK_SECRET
  - name: chat
    type: slack
    url: https://hooks.slack.example/services/T/B/X
rules:
  - name: checkout-errors
    kind: service_red
    signal: error_rate
    service: checkout
    window: 5m
    comparison: ">"
    threshold: 0.05
    for: 2m
    labels: { severity: page }
    annotations: { summary: "error rate {{value}} on {{labels.service}}" }
    receivers: [oncall]
  - name: no-logs
    kind: log_count
    service: api
    window: 10m
    comparison: "<"
    threshold: 1
    no_data: alert
  - name: new-errors
    kind: new_error_group
    window: 10m
  - name: slow-db
    kind: metric
    metric: db.client.duration
    agg: p95
    window: 5m
    group_by: [service, attr.db.system]
    comparison: ">="
    threshold: 0.25
silences:
  - matchers: { alertname: no-logs }
    ends: 2030-01-01T00:00:00Z
    comment: api is being retired
`;

const env = (name: string) => name === "HOOK_SECRET" ? "0123456789abcdef-secret" : undefined;

function issues(text: string): string[] {
  try {
    parseAlertsFile(text, "alerts.yaml", env);
  } catch (error) {
    assert.ok(error instanceof RulesFileError, String(error));
    assert.match(error.message, /^Invalid alerts file alerts\.yaml:\n/);
    return error.issues.map((i) => `${i.line}:${i.column} ${i.path}: ${i.message}`);
  }
  assert.fail("expected the file to be rejected");
}

Deno.test("alerts file: a valid file, with defaults applied", () => {
  const config = parseAlertsFile(GOOD, "alerts.yaml", env);
  assert.deepEqual(
    config.rules.map((r) => [r.name, r.intervalMs, r.forMs, r.noData, r.receivers]),
    [
      ["checkout-errors", 30_000, 120_000, "ok", ["oncall"]],
      ["no-logs", 30_000, 0, "alert", ["oncall", "chat"]],
      ["new-errors", 30_000, 0, "ok", ["oncall", "chat"]],
      ["slow-db", 30_000, 0, "ok", ["oncall", "chat"]],
    ],
  );
  const red = config.rules[0].spec;
  assert.equal(red.kind === "service_red" && red.window, 300_000);
  const fresh = config.rules[2].spec;
  assert.deepEqual(
    fresh.kind === "new_error_group" && [fresh.comparison, fresh.threshold],
    [">=", 1],
  );
  assert.equal(config.receivers.get("oncall")?.secretValue, "0123456789abcdef-secret");
  assert.equal(config.silences[0].matchers.alertname, "no-logs");
});

Deno.test("alerts file: errors name the line and the field", () => {
  const cases: [string, string][] = [
    ["threshold: 0.05", 'threshold: "high"'],
    ["    window: 10m\n    comparison", "    windw: 10m\n    comparison"],
    ["kind: log_count", "kind: logs"],
    ["    window: 5m\n    comparison", "    window: 90s\n    comparison"],
    ["receivers: [oncall]", "receivers: [pager]"],
    ["name: new-errors", "name: no-logs"],
    ["for: 2m", "for: two minutes"],
    ["http://127.0.0.1:9/hook", "ftp://x/y"],
    ["secret_env: HOOK_SECRET", "secret_env: MISSING_SECRET"],
  ];
  assert.deepEqual(cases.map(([from, to]) => issues(GOOD.replace(from, to))), [
    ["20:16 rules[0].threshold: Invalid input: expected number, received string"],
    [
      "25:5 rules[1].window: required field is missing",
      "28:12 rules[1].windw: unknown field (the fields of each section are listed in docs/alerts.md)",
    ],
    [
      "26:11 rules[1].kind: Invalid discriminator value. Expected 'metric' | 'service_red' | 'log_count' | 'new_error_group'",
    ],
    ["18:13 rules[0].window: whole minutes (this kind reads per-minute rollups)"],
    ['24:17 rules[0].receivers[0]: unknown receiver "pager"'],
    ["32:11 rules[2].name: duplicate rule name"],
    ['21:10 rules[0].for: expected a duration like "30s", "5m" or "1h"'],
    ["7:10 receivers[0].url: Invalid URL"],
    [
      "9:17 receivers[0].secret_env: environment variable MISSING_SECRET is not set or shorter than 16 characters",
    ],
  ]);
  assert.deepEqual(issues("rules:\n  - name: [\n"), [
    "3:1 : Flow sequence in block collection must be sufficiently indented and end with a ] at line 3, column 1:",
  ]);
  assert.deepEqual(issues("rules: []\nrules: []\n"), [
    "2:1 : Map keys must be unique at line 2, column 1:",
  ]);
  assert.deepEqual(issues(""), ["1:1 rules: required field is missing"]);
});
