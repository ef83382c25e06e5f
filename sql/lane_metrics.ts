/**
 * The engine's lanes (`lanes.ts`) in the Prometheus text exposition format, for the OTLP port's
 * `GET /metrics`: how many calls wait now, and per lane the calls that ran, were refused, how
 * long they waited and held the engine, and how many statements they waited behind.
 *
 * @module
 */
import { LANES, type LaneStats } from "./lanes.ts";
import type { Lane } from "./store.ts";

const SERIES: readonly [
  name: string,
  type: string,
  help: string,
  value: (s: LaneStats) => number,
][] = [
  ["queued", "gauge", "Engine calls waiting in each lane now.", (s) => s.queued],
  ["calls_total", "counter", "Engine calls that ran, by lane.", (s) => s.ran],
  [
    "refused_total",
    "counter",
    "Engine calls refused because their lane was full.",
    (s) => s.refused,
  ],
  [
    "wait_seconds_total",
    "counter",
    "Time calls spent waiting for the engine, by lane.",
    (s) => s.waitedMs / 1000,
  ],
  [
    "waited_behind_total",
    "counter",
    "Statements that started while a call of the lane waited (sum over its calls).",
    (s) => s.waitedBehind,
  ],
  [
    "busy_seconds_total",
    "counter",
    "Time calls of the lane held the engine.",
    (s) => s.busyMs / 1000,
  ],
];

/**
 * Renders lane counters as `tracehouse_engine_lane_*` series labelled by lane.
 *
 * @example
 * ```ts
 * import { LaneScheduler } from "./lanes.ts";
 * import { laneMetricsText } from "./lane_metrics.ts";
 * const lanes = new LaneScheduler();
 * await lanes.run("ingest", () => Promise.resolve());
 * console.assert(laneMetricsText(lanes.stats()).includes('tracehouse_engine_lane_calls_total{lane="ingest"} 1'));
 * ```
 */
export function laneMetricsText(stats: Record<Lane, LaneStats>): string {
  const lines: string[] = [];
  for (const [name, type, help, value] of SERIES) {
    const metric = `tracehouse_engine_lane_${name}`;
    lines.push(`# HELP ${metric} ${help}`, `# TYPE ${metric} ${type}`);
    for (const lane of LANES) lines.push(`${metric}{lane="${lane}"} ${value(stats[lane])}`);
  }
  return lines.join("\n") + "\n";
}
