import assert from "node:assert/strict";
import { ManualClock } from "./clock.ts";
import type { AlertMessage } from "./payload.ts";
import type { Receiver } from "./rules_file.ts";
import { startReceiver } from "./test_receiver.ts";
import { bodyFor, deliver, DeliveryError } from "./webhook.ts";

const ALERT: AlertMessage = {
  status: "firing",
  rule: "r",
  kind: "log_count",
  labels: { alertname: "r", service: 'a"b' },
  annotations: {},
  value: 3,
  comparison: ">",
  threshold: 1,
  startsAt: "2026-01-01T00:00:00.000Z",
  endsAt: null,
  repeat: false,
  groupKey: "{}",
};

Deno.test("webhook: a 4xx answer is final after one attempt", async () => {
  const receiver = startReceiver();
  try {
    receiver.status = 400;
    const spec: Receiver = { name: "h", type: "webhook", url: `${receiver.url}/x` };
    await assert.rejects(
      deliver(spec, [ALERT], { clock: new ManualClock(0) }),
      (e) => e instanceof DeliveryError && e.permanent && e.attempts === 1,
    );
    assert.equal(receiver.calls.length, 1);
  } finally {
    await receiver.close();
  }
});

Deno.test("webhook: a receiver template renders the body, JSON-escaped", () => {
  const spec: Receiver = {
    name: "h",
    type: "webhook",
    url: "http://127.0.0.1:1/x",
    template: '{"msg": "{{#alerts}}{{rule}} {{labels.service}} {{status}};{{/alerts}}", "n": 1}',
  };
  assert.deepEqual(JSON.parse(bodyFor(spec, [ALERT], 0)), { msg: 'r a"b firing;', n: 1 });
});
