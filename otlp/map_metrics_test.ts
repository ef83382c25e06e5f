import assert from "node:assert/strict";
import { encodeMetrics } from "../testing/otlp_encode.ts";
import { decodeMetricsJson } from "./json.ts";
import { TABLE_COLUMNS } from "../sql/schema.ts";
import { mapMetrics } from "./map_metrics.ts";
import { decodeMetricsProto } from "./pb_metrics.ts";

const T0 = "1700000000500000000";
const T1 = "1700000060900000000";
const exemplar = {
  filteredAttributes: [{ key: "user", value: { stringValue: "u1" } }],
  timeUnixNano: "1700000030000000000",
  asInt: "7",
  traceId: "5b8efff798038103d269b633813fc60c",
  spanId: "eee19b7ec3c1b174",
};
const attributes = [{ key: "route", value: { stringValue: "/a" } }];
const request = {
  resourceMetrics: [{
    resource: { attributes: [{ key: "service.name", value: { stringValue: "svc" } }] },
    schemaUrl: "res-url",
    scopeMetrics: [{
      scope: { name: "meter", version: "1", droppedAttributesCount: 3 },
      schemaUrl: "scope-url",
      metrics: [
        {
          name: "g",
          description: "a gauge",
          unit: "1",
          gauge: {
            dataPoints: [{
              attributes,
              startTimeUnixNano: T0,
              timeUnixNano: T1,
              asDouble: 1.5,
              flags: 1,
              exemplars: [exemplar, { timeUnixNano: T0, asDouble: 0.5 }],
            }],
          },
        },
        {
          name: "s",
          sum: {
            aggregationTemporality: 2,
            isMonotonic: true,
            dataPoints: [{ attributes, startTimeUnixNano: T0, timeUnixNano: T1, asInt: "42" }],
          },
        },
        {
          name: "h",
          unit: "ms",
          histogram: {
            aggregationTemporality: "AGGREGATION_TEMPORALITY_DELTA",
            dataPoints: [{
              attributes,
              startTimeUnixNano: T0,
              timeUnixNano: T1,
              count: "6",
              sum: 21.5,
              bucketCounts: ["1", "2", "3"],
              explicitBounds: [1, 5],
              min: 0.5,
              max: 9,
              exemplars: [exemplar],
            }],
          },
        },
        {
          name: "e",
          exponentialHistogram: {
            aggregationTemporality: 2,
            dataPoints: [{
              attributes,
              startTimeUnixNano: T0,
              timeUnixNano: T1,
              count: "5",
              sum: 10,
              scale: -2,
              zeroCount: "1",
              positive: { offset: -1, bucketCounts: ["1", "2"] },
              negative: { offset: 3, bucketCounts: ["1"] },
              min: -1,
              max: 4,
            }],
          },
        },
        {
          name: "q",
          summary: {
            dataPoints: [{
              attributes,
              startTimeUnixNano: T0,
              timeUnixNano: T1,
              count: "3",
              sum: 6,
              quantileValues: [{ quantile: 0.5, value: 2 }, { quantile: 1, value: 3 }],
            }],
          },
        },
        { name: "nodata" },
      ],
    }],
  }],
};

Deno.test("metric JSON and protobuf decode to the same model", () => {
  const fromJson = decodeMetricsJson(JSON.stringify(request));
  assert.deepEqual(decodeMetricsProto(encodeMetrics(fromJson)), fromJson);
});

Deno.test("metrics map to the five otel_metrics_* tables as the exporter writes them", () => {
  const { rows, errors } = mapMetrics(decodeMetricsJson(JSON.stringify(request)));
  assert.match(errors[0], /"nodata": no data/);
  for (const kind of Object.keys(rows) as (keyof typeof rows)[]) {
    assert.equal(rows[kind].length, 1, kind);
    assert.deepEqual(
      Object.keys(rows[kind][0]).sort(),
      TABLE_COLUMNS[`otel_metrics_${kind}`].map((c) => c.name).sort(),
      kind,
    );
  }
  const g = rows.gauge[0];
  assert.deepEqual(g.ResourceAttributes, [["service.name", "svc"]]);
  assert.equal(g.ResourceSchemaUrl, "res-url");
  assert.equal(g.ScopeName, "meter");
  assert.equal(g.ScopeVersion, "1");
  assert.deepEqual(g.ScopeAttributes, []);
  assert.equal(g.ScopeDroppedAttrCount, 3);
  assert.equal(g.ScopeSchemaUrl, "scope-url");
  assert.equal(g.ServiceName, "svc");
  assert.equal(g.MetricName, "g");
  assert.equal(g.MetricDescription, "a gauge");
  assert.equal(g.MetricUnit, "1");
  assert.deepEqual(g.Attributes, [["route", "/a"]]);
  assert.equal(g.StartTimeUnix, 1700000000, "DateTime: whole seconds");
  assert.equal(g.TimeUnix, 1700000060);
  assert.equal(g.Value, 1.5);
  assert.equal(g.Flags, 1);
  assert.deepEqual(g["Exemplars.FilteredAttributes"], [[["user", "u1"]], []]);
  assert.deepEqual(g["Exemplars.TimeUnix"], [1700000030, 1700000000]);
  assert.deepEqual(g["Exemplars.Value"], [7, 0.5], "int exemplar as float64");
  assert.deepEqual(g["Exemplars.TraceId"], [
    "5b8efff798038103d269b633813fc60c",
    "00000000000000000000000000000000",
  ], "absent exemplar ids print as zeros");
  assert.deepEqual(g["Exemplars.SpanId"], ["eee19b7ec3c1b174", "0000000000000000"]);
  const s = rows.sum[0];
  assert.equal(s.Value, 42);
  assert.equal(s.AggregationTemporality, 2);
  assert.equal(s.IsMonotonic, true);
  const h = rows.histogram[0];
  assert.equal(h.Count, 6n);
  assert.equal(h.Sum, 21.5);
  assert.deepEqual(h.BucketCounts, [1, 2, 3]);
  assert.deepEqual(h.ExplicitBounds, [1, 5]);
  assert.equal(h.Min, 0.5);
  assert.equal(h.Max, 9);
  assert.equal(h.AggregationTemporality, 1);
  assert.deepEqual(h["Exemplars.Value"], [7]);
  const e = rows.exponential_histogram[0];
  assert.equal(e.Count, 5n);
  assert.equal(e.Sum, 10);
  assert.equal(e.Scale, -2);
  assert.equal(e.ZeroCount, 1n);
  assert.equal(e.PositiveOffset, -1);
  assert.deepEqual(e.PositiveBucketCounts, [1, 2]);
  assert.equal(e.NegativeOffset, 3);
  assert.deepEqual(e.NegativeBucketCounts, [1]);
  assert.equal(e.Min, -1);
  assert.equal(e.Max, 4);
  assert.deepEqual(e["Exemplars.Value"], []);
  const q = rows.summary[0];
  assert.equal(q.Count, 3n);
  assert.equal(q.Sum, 6);
  assert.deepEqual(q["ValueAtQuantiles.Quantile"], [0.5, 1]);
  assert.deepEqual(q["ValueAtQuantiles.Value"], [2, 3]);
});
