import assert from "node:assert/strict";
import { LaneScheduler } from "./lanes.ts";
import { laneMetricsText } from "./lane_metrics.ts";

Deno.test("lane metrics: every lane's counters in Prometheus text, waiting calls as a gauge", async () => {
  let now = 0;
  const lanes = new LaneScheduler({ now: () => now, limits: { endpoint: { maxQueued: 1 } } });
  let release!: () => void;
  const running = lanes.run("ingest", () => new Promise<void>((r) => release = r));
  const waiting = lanes.run("endpoint", () => Promise.resolve());
  await assert.rejects(lanes.run("endpoint", () => Promise.resolve()), /busy/);
  now = 1500;
  let text = laneMetricsText(lanes.stats());
  assert.match(text, /# TYPE tracehouse_engine_lane_queued gauge\n/);
  assert.match(text, /tracehouse_engine_lane_queued\{lane="endpoint"\} 1\n/);
  assert.match(text, /tracehouse_engine_lane_refused_total\{lane="endpoint"\} 1\n/);
  release();
  await Promise.all([running, waiting]);
  text = laneMetricsText(lanes.stats());
  assert.match(text, /tracehouse_engine_lane_queued\{lane="endpoint"\} 0\n/);
  assert.match(text, /tracehouse_engine_lane_calls_total\{lane="ingest"\} 1\n/);
  assert.match(text, /tracehouse_engine_lane_busy_seconds_total\{lane="ingest"\} 1.5\n/);
  assert.match(text, /tracehouse_engine_lane_wait_seconds_total\{lane="endpoint"\} 1.5\n/);
  assert.match(text, /tracehouse_engine_lane_waited_behind_total\{lane="endpoint"\} 1\n/);
  assert.match(text, /tracehouse_engine_lane_calls_total\{lane="interactive"\} 0\n/);
  // Each series once: HELP and TYPE lines, then one sample per lane.
  for (const line of text.trimEnd().split("\n")) {
    assert.match(
      line,
      /^(# (HELP|TYPE) tracehouse_engine_lane_\w+ .+|tracehouse_engine_lane_\w+\{lane="\w+"\} [\d.]+)$/,
    );
  }
});
