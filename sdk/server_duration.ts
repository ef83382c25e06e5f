/**
 * `http.server.request.duration` aggregated in place: one histogram cell per attribute set
 * (method, scheme, route, status, error type), found by a string key, and handed to the metric
 * reader as a `MetricProducer` at each collection.
 *
 * Recording through the SDK's `Histogram` hashes the attributes on every call (sorting the keys
 * and `JSON.stringify`-ing them): a microsecond per request, more than the rest of the metric
 * work. The data points produced here are the ones the SDK's explicit-bucket histogram makes
 * (same buckets, sum, count, min, max, temporality chosen by the reader, cardinality limit).
 *
 * @module
 */
import { type Attributes, type HrTime, ValueType } from "@opentelemetry/api";
import type { Resource } from "@opentelemetry/resources";
import {
  AggregationTemporality,
  type CollectionResult,
  DataPointType,
  type HistogramMetricData,
  InstrumentType,
  type MetricProducer,
} from "@opentelemetry/sdk-metrics";

/** The instrumentation scope of the producer's metrics. */
export interface ProducerScope {
  name: string;
  version?: string;
}

interface Cell {
  attributes: Attributes;
  startTime: HrTime;
  count: number;
  sum: number;
  min: number;
  max: number;
  counts: number[];
}

/** The SDK's default cardinality limit: the 2000th attribute set goes to the overflow point. */
const CARDINALITY_LIMIT = 2000;
const OVERFLOW_KEY = "\0overflow";
const OVERFLOW_ATTRIBUTES: Attributes = Object.freeze({ "otel.metric.overflow": true });

function nowHrTime(): HrTime {
  const ms = Date.now();
  return [Math.trunc(ms / 1000), Math.round((ms % 1000) * 1e6)];
}

/**
 * A histogram aggregated by the caller's key, exported through a metric reader.
 *
 * @example
 * ```ts
 * import { resourceFromAttributes } from "@opentelemetry/resources";
 * import { KeyedHistogram } from "./server_duration.ts";
 * const h = new KeyedHistogram(
 *   { name: "http.server.request.duration", unit: "s", description: "Duration." },
 *   [0.1, 1],
 *   { name: "example" },
 *   resourceFromAttributes({}),
 * );
 * h.record("GET 200", () => ({ "http.request.method": "GET" }), 0.02);
 * const { resourceMetrics } = await h.collect();
 * console.log(resourceMetrics.scopeMetrics[0].metrics[0].dataPoints.length); // 1
 * ```
 */
export class KeyedHistogram implements MetricProducer {
  #cells = new Map<string, Cell>();
  #boundaries: number[];
  #descriptor: { name: string; unit: string; description: string };
  #scope: ProducerScope;
  #resource: Resource;
  #temporality: () => AggregationTemporality = () => AggregationTemporality.CUMULATIVE;
  #lastCollection: HrTime | undefined;

  constructor(
    descriptor: { name: string; unit: string; description: string },
    boundaries: number[],
    scope: ProducerScope,
    resource: Resource,
  ) {
    this.#descriptor = descriptor;
    this.#boundaries = [...boundaries];
    this.#scope = scope;
    this.#resource = resource;
  }

  /** Follows the reader's temporality choice for histograms (cumulative unless told). */
  useTemporality(select: (type: InstrumentType) => AggregationTemporality): void {
    this.#temporality = () => select(InstrumentType.HISTOGRAM);
  }

  /** Records `value` in the cell of `key`; `attributes()` is called once per new key. */
  record(key: string, attributes: () => Attributes, value: number): void {
    if (Number.isNaN(value)) return;
    let cell = this.#cells.get(key);
    if (!cell) {
      if (this.#cells.size >= CARDINALITY_LIMIT - 1) {
        cell = this.#cells.get(OVERFLOW_KEY) ?? this.#newCell(OVERFLOW_KEY, OVERFLOW_ATTRIBUTES);
      } else cell = this.#newCell(key, attributes());
    }
    this.#add(cell, value);
  }

  /**
   * Records `value` in the cell of `key` if that cell exists; answers `false` (recording
   * nothing) for a new key, which then needs {@linkcode KeyedHistogram.record}.
   */
  recordKnown(key: string, value: number): boolean {
    const cell = this.#cells.get(key);
    if (!cell) return false;
    if (!Number.isNaN(value)) this.#add(cell, value);
    return true;
  }

  #add(cell: Cell, value: number): void {
    cell.count++;
    cell.sum += value;
    if (value < cell.min) cell.min = value;
    if (value > cell.max) cell.max = value;
    const b = this.#boundaries;
    let i = 0;
    while (i < b.length && value > b[i]) i++;
    cell.counts[i]++;
  }

  #newCell(key: string, attributes: Attributes): Cell {
    const cell: Cell = {
      attributes,
      startTime: this.#temporality() === AggregationTemporality.DELTA && this.#lastCollection
        ? this.#lastCollection
        : nowHrTime(),
      count: 0,
      sum: 0,
      min: Infinity,
      max: -Infinity,
      counts: new Array(this.#boundaries.length + 1).fill(0),
    };
    this.#cells.set(key, cell);
    return cell;
  }

  /** The data points so far (delta temporality: since the previous collection). */
  collect(): Promise<CollectionResult> {
    const endTime = nowHrTime();
    const delta = this.#temporality() === AggregationTemporality.DELTA;
    const dataPoints: HistogramMetricData["dataPoints"] = [];
    for (const [key, cell] of this.#cells) {
      if (cell.count === 0) continue;
      dataPoints.push({
        attributes: cell.attributes,
        startTime: cell.startTime,
        endTime,
        value: {
          buckets: { boundaries: this.#boundaries, counts: [...cell.counts] },
          count: cell.count,
          sum: cell.sum,
          min: cell.min,
          max: cell.max,
        },
      });
      if (delta) this.#cells.delete(key);
    }
    this.#lastCollection = endTime;
    const metrics: HistogramMetricData[] = dataPoints.length === 0 ? [] : [{
      descriptor: { ...this.#descriptor, valueType: ValueType.DOUBLE },
      aggregationTemporality: delta
        ? AggregationTemporality.DELTA
        : AggregationTemporality.CUMULATIVE,
      dataPointType: DataPointType.HISTOGRAM,
      dataPoints,
    }];
    return Promise.resolve({
      resourceMetrics: {
        resource: this.#resource,
        scopeMetrics: metrics.length ? [{ scope: this.#scope, metrics }] : [],
      },
      errors: [],
    });
  }
}
