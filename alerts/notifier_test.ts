import assert from "node:assert/strict";
import { ManualClock } from "./clock.ts";
import { Notifier, type Outgoing } from "./notifier.ts";
import type { AlertMessage } from "./payload.ts";
import type { Receiver } from "./rules_file.ts";
import { startReceiver } from "./test_receiver.ts";

function item(rule: string): Outgoing {
  const message: AlertMessage = {
    status: "firing",
    rule,
    kind: "log_count",
    labels: { alertname: rule },
    annotations: {},
    value: 1,
    comparison: ">",
    threshold: 0,
    startsAt: "2026-01-01T00:00:00.000Z",
    endsAt: null,
    repeat: false,
    groupKey: "{}",
  };
  return { rule, key: "{}", message };
}

Deno.test("notifier: alerts owed within group_wait go out as one message; duplicates in flight are dropped", async () => {
  const receiver = startReceiver();
  const clock = new ManualClock(0);
  const delivered: string[][] = [];
  const notifier = new Notifier({
    clock,
    onDelivered: (_r, sent) => {
      delivered.push(sent.map((s) => s.rule));
      return Promise.resolve();
    },
  });
  const spec: Receiver = {
    name: "hook",
    type: "webhook",
    url: `${receiver.url}/x`,
    group_wait: 10_000,
  };
  notifier.setReceivers(new Map([["hook", spec]]));
  try {
    notifier.enqueue("hook", item("a"));
    await clock.advance(5_000);
    notifier.enqueue("hook", item("b"));
    notifier.enqueue("hook", item("a")); // already queued: dropped
    notifier.enqueue("nobody", item("c")); // unknown receiver: ignored
    await clock.advance(4_000);
    assert.equal(receiver.calls.length, 0, "nothing before group_wait");
    await clock.advance(1_000);
    await notifier.idle();
    assert.equal(receiver.calls.length, 1);
    assert.deepEqual(receiver.calls[0].json.alerts.map((a: { rule: string }) => a.rule), [
      "a",
      "b",
    ]);
    assert.deepEqual(delivered, [["a", "b"]]);
  } finally {
    await notifier.close();
    await receiver.close();
  }
});
