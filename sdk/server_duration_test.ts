import type { Attributes } from "@opentelemetry/api";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  AggregationTemporality,
  type HistogramMetricData,
  MeterProvider,
  MetricReader,
} from "@opentelemetry/sdk-metrics";
import assert from "node:assert/strict";
import { KeyedHistogram } from "./server_duration.ts";
import { HTTP_DURATION_BUCKETS } from "./sdk_state.ts";

class TestReader extends MetricReader {
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

const DESCRIPTOR = { name: "http.server.request.duration", unit: "s", description: "Duration." };

function points(data: HistogramMetricData | undefined) {
  return (data?.dataPoints ?? []).map((p) => ({ attributes: p.attributes, value: p.value }))
    .sort((a, b) => JSON.stringify(a.attributes).localeCompare(JSON.stringify(b.attributes)));
}

for (const temporality of [AggregationTemporality.CUMULATIVE, AggregationTemporality.DELTA]) {
  Deno.test(`KeyedHistogram matches the SDK histogram (${AggregationTemporality[temporality]})`, async () => {
    const resource = resourceFromAttributes({ "service.name": "x" });
    const reader = new TestReader({ aggregationTemporalitySelector: () => temporality });
    const cells = new KeyedHistogram(DESCRIPTOR, HTTP_DURATION_BUCKETS, { name: "s" }, resource);
    cells.useTemporality((t) => reader.selectAggregationTemporality(t));
    const provider = new MeterProvider({ resource, readers: [reader] });
    const histogram = provider.getMeter("s").createHistogram(DESCRIPTOR.name, {
      unit: "s",
      description: DESCRIPTOR.description,
      advice: { explicitBucketBoundaries: HTTP_DURATION_BUCKETS },
    });
    const sets: Attributes[] = [
      {
        "http.request.method": "GET",
        "url.scheme": "http",
        "http.route": "/a",
        "http.response.status_code": 200,
      },
      {
        "http.request.method": "POST",
        "url.scheme": "https",
        "http.response.status_code": 500,
        "error.type": "500",
      },
    ];
    const values = [0, 0.005, 0.0051, 0.2, 10, 11, 0.75, Number.NaN, 0.003];
    const record = () => {
      values.forEach((v, i) => {
        const set = sets[i % sets.length];
        histogram.record(v, set);
        cells.record(JSON.stringify(set), () => set, v);
      });
    };
    for (let round = 0; round < 2; round++) {
      record();
      const sdk = await reader.collect();
      const ours = await cells.collect();
      const expected = sdk.resourceMetrics.scopeMetrics[0].metrics[0] as HistogramMetricData;
      const actual = ours.resourceMetrics.scopeMetrics[0].metrics[0] as HistogramMetricData;
      assert.equal(actual.aggregationTemporality, expected.aggregationTemporality);
      assert.equal(actual.dataPointType, expected.dataPointType);
      assert.equal(actual.descriptor.name, expected.descriptor.name);
      assert.equal(actual.descriptor.unit, expected.descriptor.unit);
      assert.equal(actual.descriptor.valueType, expected.descriptor.valueType);
      assert.deepEqual(points(actual), points(expected));
      assert.equal(ours.resourceMetrics.scopeMetrics[0].scope.name, "s");
    }
    // nothing new: a delta collection has no points, a cumulative one repeats them
    const ours = await cells.collect();
    assert.equal(
      ours.resourceMetrics.scopeMetrics.length,
      temporality === AggregationTemporality.DELTA ? 0 : 1,
    );
    await provider.shutdown();
  });
}

Deno.test("KeyedHistogram caps attribute sets like the SDK (overflow point)", async () => {
  const cells = new KeyedHistogram(DESCRIPTOR, [1], { name: "s" }, resourceFromAttributes({}));
  for (let i = 0; i < 2100; i++) cells.record(String(i), () => ({ i }), 0.5);
  const { resourceMetrics } = await cells.collect();
  const data = resourceMetrics.scopeMetrics[0].metrics[0] as HistogramMetricData;
  assert.equal(data.dataPoints.length, 2000);
  const overflow = data.dataPoints.find((p) => p.attributes["otel.metric.overflow"] === true);
  assert.equal(overflow?.value.count, 101);
});
