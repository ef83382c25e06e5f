/**
 * Manual metrics: `getMeter()` and one-line `counter`, `histogram` and `gauge` helpers.
 *
 * @module
 */
import {
  type Counter,
  type Gauge,
  type Histogram,
  type Meter,
  type MetricOptions,
  metrics,
} from "@opentelemetry/api";
import { SCOPE_NAME, SDK_VERSION } from "./scope.ts";

/**
 * The meter for `name` (default: the SDK's scope). A no-op until the SDK runs.
 *
 * @example
 * ```ts
 * import { getMeter } from "./metrics.ts";
 * const queue = getMeter("worker").createUpDownCounter("queue.size");
 * queue.add(1);
 * ```
 */
export function getMeter(name: string = SCOPE_NAME, version?: string): Meter {
  return metrics.getMeter(name, version ?? (name === SCOPE_NAME ? SDK_VERSION : undefined));
}

/**
 * A monotonic counter. Create it once and keep it; `add()` per event.
 *
 * @example
 * ```ts
 * import { counter } from "./metrics.ts";
 * const orders = counter("orders.placed", { unit: "{order}" });
 * orders.add(1, { "payment.method": "card" });
 * ```
 */
export function counter(name: string, options?: MetricOptions): Counter {
  return getMeter().createCounter(name, options);
}

/**
 * A histogram. Create it once and keep it; `record()` per measurement.
 *
 * @example
 * ```ts
 * import { histogram } from "./metrics.ts";
 * const size = histogram("upload.size", { unit: "By" });
 * size.record(2048);
 * ```
 */
export function histogram(name: string, options?: MetricOptions): Histogram {
  return getMeter().createHistogram(name, options);
}

/**
 * A synchronous gauge: `record()` the current value.
 *
 * @example
 * ```ts
 * import { gauge } from "./metrics.ts";
 * const temperature = gauge("room.temperature", { unit: "Cel" });
 * temperature.record(21.5, { room: "lab" });
 * ```
 */
export function gauge(name: string, options?: MetricOptions): Gauge {
  return getMeter().createGauge(name, options);
}
