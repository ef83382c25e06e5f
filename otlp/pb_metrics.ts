/**
 * Decodes OTLP/HTTP protobuf `ExportMetricsServiceRequest` bodies into the model of `model.ts`.
 *
 * @module
 */
import { attribute, type Decode, decodeRequest, message, overrun } from "./pb_common.ts";
import {
  type Exemplar,
  type ExpBuckets,
  type ExpHistogramPoint,
  type HistogramPoint,
  type Metric,
  type MetricData,
  type MetricsRequest,
  type NumberPoint,
  type SummaryPoint,
} from "./model.ts";
import { I64, LEN, PbReader, VARINT } from "./pb_reader.ts";

function exemplar(r: PbReader, end: number): Exemplar {
  const x: Exemplar = { filteredAttributes: [], time: 0n, value: 0, traceId: "", spanId: "" };
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === 17) x.time = r.fixed64();
    else if (tag === 25) x.value = r.double();
    else if (tag === 34) x.spanId = r.hex();
    else if (tag === 42) x.traceId = r.hex();
    else if (tag === 49) x.value = r.sfixed64AsNumber();
    else if (tag === 58) attribute(r, x.filteredAttributes);
    else r.skip(tag & 7);
  }
  return x;
}

/** Reads a repeated fixed64 field, packed or not. */
function repeatedFixed64(r: PbReader, tag: number, into: (number | bigint)[]): void {
  if ((tag & 7) === LEN) {
    const end = r.end();
    if ((end - r.pos) % 8 !== 0) {
      throw new SyntaxError("Cannot decode OTLP protobuf: packed fixed64 field of odd length");
    }
    while (r.pos < end) into.push(r.fixed64Small());
  } else {
    r.expect(tag, I64);
    into.push(r.fixed64Small());
  }
}

function repeatedDouble(r: PbReader, tag: number, into: number[]): void {
  if ((tag & 7) === LEN) {
    const end = r.end();
    if ((end - r.pos) % 8 !== 0) {
      throw new SyntaxError("Cannot decode OTLP protobuf: packed double field of odd length");
    }
    while (r.pos < end) into.push(r.double());
  } else {
    r.expect(tag, I64);
    into.push(r.double());
  }
}

function repeatedUint64(r: PbReader, tag: number, into: (number | bigint)[]): void {
  if ((tag & 7) === LEN) {
    const end = r.end();
    while (r.pos < end) into.push(r.varint64(false));
    if (r.pos !== end) {
      throw new SyntaxError("Cannot decode OTLP protobuf: packed varint overruns its field");
    }
  } else {
    r.expect(tag, VARINT);
    into.push(r.varint64(false));
  }
}

function numberPoint(r: PbReader, end: number): NumberPoint {
  const p: NumberPoint = { attributes: [], start: 0n, time: 0n, flags: 0, value: 0, exemplars: [] };
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === 17) p.start = r.fixed64();
    else if (tag === 25) p.time = r.fixed64();
    else if (tag === 33) p.value = r.double();
    else if (tag === 42) p.exemplars.push(message(r, exemplar));
    else if (tag === 49) p.value = r.sfixed64AsNumber();
    else if (tag === 58) attribute(r, p.attributes);
    else if (tag === 64) p.flags = r.uint32();
    else r.skip(tag & 7);
  }
  return p;
}

function histogramPoint(r: PbReader, end: number): HistogramPoint {
  const p: HistogramPoint = {
    attributes: [],
    start: 0n,
    time: 0n,
    flags: 0,
    count: 0n,
    sum: 0,
    bucketCounts: [],
    explicitBounds: [],
    exemplars: [],
    min: 0,
    max: 0,
  };
  while (r.pos < end) {
    const tag = r.tag();
    const field = tag >>> 3;
    if (tag === 17) p.start = r.fixed64();
    else if (tag === 25) p.time = r.fixed64();
    else if (tag === 33) p.count = r.fixed64();
    else if (tag === 41) p.sum = r.double();
    else if (field === 6) repeatedFixed64(r, tag, p.bucketCounts);
    else if (field === 7) repeatedDouble(r, tag, p.explicitBounds);
    else if (tag === 66) p.exemplars.push(message(r, exemplar));
    else if (tag === 74) attribute(r, p.attributes);
    else if (tag === 80) p.flags = r.uint32();
    else if (tag === 89) p.min = r.double();
    else if (tag === 97) p.max = r.double();
    else r.skip(tag & 7);
  }
  return p;
}

function expBuckets(r: PbReader, end: number): ExpBuckets {
  const b: ExpBuckets = { offset: 0, bucketCounts: [] };
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === 8) b.offset = r.sint32();
    else if (tag >>> 3 === 2) repeatedUint64(r, tag, b.bucketCounts);
    else r.skip(tag & 7);
  }
  return b;
}

function expHistogramPoint(r: PbReader, end: number): ExpHistogramPoint {
  const p: ExpHistogramPoint = {
    attributes: [],
    start: 0n,
    time: 0n,
    flags: 0,
    count: 0n,
    sum: 0,
    scale: 0,
    zeroCount: 0n,
    positive: { offset: 0, bucketCounts: [] },
    negative: { offset: 0, bucketCounts: [] },
    exemplars: [],
    min: 0,
    max: 0,
  };
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag) {
      case 10:
        attribute(r, p.attributes);
        break;
      case 17:
        p.start = r.fixed64();
        break;
      case 25:
        p.time = r.fixed64();
        break;
      case 33:
        p.count = r.fixed64();
        break;
      case 41:
        p.sum = r.double();
        break;
      case 48:
        p.scale = r.sint32();
        break;
      case 57:
        p.zeroCount = r.fixed64();
        break;
      case 66:
        p.positive = message(r, expBuckets);
        break;
      case 74:
        p.negative = message(r, expBuckets);
        break;
      case 80:
        p.flags = r.uint32();
        break;
      case 90:
        p.exemplars.push(message(r, exemplar));
        break;
      case 97:
        p.min = r.double();
        break;
      case 105:
        p.max = r.double();
        break;
      default:
        r.skip(tag & 7);
    }
  }
  return p;
}

function summaryPoint(r: PbReader, end: number): SummaryPoint {
  const p: SummaryPoint = {
    attributes: [],
    start: 0n,
    time: 0n,
    flags: 0,
    count: 0n,
    sum: 0,
    quantiles: [],
    values: [],
  };
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === 17) p.start = r.fixed64();
    else if (tag === 25) p.time = r.fixed64();
    else if (tag === 33) p.count = r.fixed64();
    else if (tag === 41) p.sum = r.double();
    else if (tag === 50) {
      const e = r.end();
      let quantile = 0, value = 0;
      while (r.pos < e) {
        const t = r.tag();
        if (t === 9) quantile = r.double();
        else if (t === 17) value = r.double();
        else r.skip(t & 7);
      }
      if (r.pos !== e) {
        throw overrun();
      }
      p.quantiles.push(quantile);
      p.values.push(value);
    } else if (tag === 58) attribute(r, p.attributes);
    else if (tag === 64) p.flags = r.uint32();
    else r.skip(tag & 7);
  }
  return p;
}

/** Decodes the data points of a Gauge/Sum/Histogram/… message, with its temporality and monotonicity. */
function metricData<P>(
  r: PbReader,
  point: Decode<P>,
): { points: P[]; temporality: number; monotonic: boolean } {
  const end = r.end();
  const out = { points: [] as P[], temporality: 0, monotonic: false };
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === 10) out.points.push(message(r, point));
    else if (tag === 16) out.temporality = r.int32();
    else if (tag === 24) out.monotonic = r.bool();
    else r.skip(tag & 7);
  }
  if (r.pos !== end) {
    throw overrun();
  }
  return out;
}

function metric(r: PbReader, end: number): Metric {
  const m: Metric = { name: "", description: "", unit: "", data: { type: "empty" } };
  while (r.pos < end) {
    const tag = r.tag();
    let data: MetricData | undefined;
    switch (tag) {
      case 10:
        m.name = r.string();
        break;
      case 18:
        m.description = r.string();
        break;
      case 26:
        m.unit = r.string();
        break;
      case 42:
        data = { type: "gauge", points: metricData(r, numberPoint).points };
        break;
      case 58: {
        const d = metricData(r, numberPoint);
        data = {
          type: "sum",
          points: d.points,
          temporality: d.temporality,
          monotonic: d.monotonic,
        };
        break;
      }
      case 74: {
        const d = metricData(r, histogramPoint);
        data = { type: "histogram", points: d.points, temporality: d.temporality };
        break;
      }
      case 82: {
        const d = metricData(r, expHistogramPoint);
        data = { type: "exponential_histogram", points: d.points, temporality: d.temporality };
        break;
      }
      case 90:
        data = { type: "summary", points: metricData(r, summaryPoint).points };
        break;
      default:
        r.skip(tag & 7);
    }
    if (data) m.data = data;
  }
  return m;
}

/** Decodes an `ExportMetricsServiceRequest`. */
export function decodeMetricsProto(body: Uint8Array): MetricsRequest {
  return decodeRequest(body, metric);
}
