/**
 * Runtime metrics: event loop delay, memory and (on Node) garbage collection.
 *
 * @module
 */
import type { Meter, ObservableCallback, ObservableGauge } from "@opentelemetry/api";

const SAMPLE_MILLIS = 50;

interface MemoryUsage {
  rss: number;
  heapUsed: number;
  heapTotal: number;
}

interface GcEntry {
  duration: number;
  detail?: { kind?: number };
}

const GC_KINDS: Record<number, string> = { 1: "minor", 2: "major", 4: "incremental", 8: "weakcb" };

/**
 * Registers the runtime instruments on `meter`; returns a function that stops sampling.
 *
 * Instruments: `nodejs.eventloop.delay.{mean,max,p99}` (s), `process.memory.usage` (By),
 * `v8js.memory.heap.used` / `v8js.memory.heap.limit` (By) and, where the runtime reports GC
 * entries, `v8js.gc.duration` (s).
 *
 * @example
 * ```ts
 * import { metrics } from "@opentelemetry/api";
 * import { installRuntimeMetrics } from "./runtime_metrics.ts";
 * const stop = installRuntimeMetrics(metrics.getMeter("example"));
 * stop();
 * ```
 */
export function installRuntimeMetrics(meter: Meter): () => void {
  let samples: number[] = [];
  let expected = performance.now() + SAMPLE_MILLIS;
  const timer = setInterval(() => {
    const now = performance.now();
    samples.push(Math.max(0, now - expected) / 1000);
    if (samples.length > 10_000) samples = samples.slice(-5_000);
    expected = now + SAMPLE_MILLIS;
  }, SAMPLE_MILLIS);
  unref(timer);

  // One callback per instrument: Deno's built-in meter has no batch callbacks.
  let stats: { at: number; mean: number; max: number; p99: number } | undefined;
  const loopStats = () => {
    const now = performance.now();
    if (stats && now - stats.at < 1_000) return stats;
    if (samples.length === 0) return stats;
    const sorted = [...samples].sort((a, b) => a - b);
    samples = [];
    stats = {
      at: now,
      mean: sorted.reduce((a, b) => a + b, 0) / sorted.length,
      max: sorted[sorted.length - 1],
      p99: sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))],
    };
    return stats;
  };
  const gauges: [string, string, () => number | undefined][] = [
    ["nodejs.eventloop.delay.mean", "s", () => loopStats()?.mean],
    ["nodejs.eventloop.delay.max", "s", () => loopStats()?.max],
    ["nodejs.eventloop.delay.p99", "s", () => loopStats()?.p99],
    ["process.memory.usage", "By", () => memoryUsage()?.rss],
    ["v8js.memory.heap.used", "By", () => memoryUsage()?.heapUsed],
    ["v8js.memory.heap.limit", "By", () => memoryUsage()?.heapTotal],
  ];
  const registered: [ObservableGauge, ObservableCallback][] = gauges.map(([name, unit, read]) => {
    const instrument = meter.createObservableGauge(name, { unit });
    const callback: ObservableCallback = (result) => {
      const value = read();
      if (value !== undefined) result.observe(value);
    };
    instrument.addCallback(callback);
    return [instrument, callback];
  });
  const stopGc = observeGc(meter);

  return () => {
    clearInterval(timer);
    for (const [instrument, callback] of registered) instrument.removeCallback(callback);
    stopGc();
  };
}

function memoryUsage(): MemoryUsage | undefined {
  const g = globalThis as {
    process?: { memoryUsage?: () => MemoryUsage };
    Deno?: { memoryUsage?: () => MemoryUsage };
  };
  try {
    return g.Deno?.memoryUsage?.() ?? g.process?.memoryUsage?.();
  } catch {
    return undefined;
  }
}

function observeGc(meter: Meter): () => void {
  const Observer = (globalThis as {
    PerformanceObserver?: {
      new (cb: (list: { getEntries(): GcEntry[] }) => void): {
        observe(o: { entryTypes: string[] }): void;
        disconnect(): void;
      };
      supportedEntryTypes?: readonly string[];
    };
  }).PerformanceObserver;
  if (!Observer?.supportedEntryTypes?.includes("gc")) return () => {};
  const histogram = meter.createHistogram("v8js.gc.duration", {
    unit: "s",
    advice: { explicitBucketBoundaries: [0.01, 0.1, 1, 10] },
  });
  try {
    const observer = new Observer((list) => {
      for (const entry of list.getEntries()) {
        histogram.record(entry.duration / 1000, {
          "v8js.gc.type": GC_KINDS[entry.detail?.kind ?? 0] ?? "unknown",
        });
      }
    });
    observer.observe({ entryTypes: ["gc"] });
    return () => observer.disconnect();
  } catch {
    return () => {};
  }
}

function unref(timer: unknown): void {
  const t = timer as { unref?: () => void };
  if (typeof t?.unref === "function") {
    t.unref();
    return;
  }
  const deno = (globalThis as { Deno?: { unrefTimer?: (id: number) => void } }).Deno;
  if (typeof timer === "number") deno?.unrefTimer?.(timer);
}
