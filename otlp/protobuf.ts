/**
 * Decodes OTLP/HTTP protobuf bodies (`Export{Traces,Logs,Metrics}ServiceRequest`) into the
 * model of `model.ts`, and encodes the small response messages.
 *
 * Hand-written against the OTLP `.proto` files (opentelemetry-proto v1): decoding straight into
 * the row mapper's model avoids an intermediate object tree and 64-bit `Long` objects, which is
 * where a generic protobuf library spends its time (see `bench/ingest_bench.ts`). Unknown fields
 * are skipped; packed and unpacked repeated scalars are both accepted.
 *
 * @module
 */
import {
  type AnyValue,
  type Exemplar,
  type ExpBuckets,
  type ExpHistogramPoint,
  type HistogramPoint,
  type KeyValue,
  KvList,
  type LogRecord,
  type LogsRequest,
  type Metric,
  type MetricData,
  type MetricsRequest,
  type NumberPoint,
  type ResourceGroup,
  type Scope,
  type ScopeGroup,
  type Span,
  type SpanEvent,
  type SpanLink,
  type SummaryPoint,
  type TracesRequest,
} from "./model.ts";
import { I64, LEN, PbReader, VARINT } from "./pb_reader.ts";

/** Deepest nesting of array/kvlist values accepted. */
const MAX_VALUE_DEPTH = 32;

type Decode<T> = (r: PbReader, end: number) => T;

/** Decodes the `AnyValue` sub-message that starts at the reader's position. */
function anyValueField(r: PbReader, depth: number): AnyValue {
  const end = r.end();
  const value = anyValue(r, end, depth);
  if (r.pos !== end) throw overrun();
  return value;
}

function overrun(): SyntaxError {
  return new SyntaxError("Cannot decode OTLP protobuf: field overruns its message");
}

function anyValue(r: PbReader, end: number, depth: number): AnyValue {
  let value: AnyValue = null;
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag) {
      case 10: // string_value
        value = r.string();
        break;
      case 16: // bool_value
        value = r.bool();
        break;
      case 24: // int_value
        value = r.varint64(true);
        break;
      case 33: // double_value
        value = r.double();
        break;
      case 42: { // array_value
        if (depth >= MAX_VALUE_DEPTH) {
          throw new SyntaxError("Cannot decode OTLP protobuf: values nested too deeply");
        }
        const arrayEnd = r.end();
        const items: AnyValue[] = [];
        while (r.pos < arrayEnd) {
          const t = r.tag();
          if (t === 10) {
            items.push(anyValueField(r, depth + 1));
          } else r.skip(t & 7);
        }
        value = items;
        break;
      }
      case 50: { // kvlist_value
        if (depth >= MAX_VALUE_DEPTH) {
          throw new SyntaxError("Cannot decode OTLP protobuf: values nested too deeply");
        }
        const listEnd = r.end();
        const entries: KeyValue[] = [];
        while (r.pos < listEnd) {
          const t = r.tag();
          if (t === 10) entries.push(keyValue(r, r.end(), depth + 1));
          else r.skip(t & 7);
        }
        value = new KvList(entries);
        break;
      }
      case 58: // bytes_value
        value = r.bytes();
        break;
      default:
        r.skip(tag & 7);
    }
  }
  return value;
}

function keyValue(r: PbReader, end: number, depth: number): KeyValue {
  let key = "";
  let value: AnyValue = null;
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === 10) key = r.string();
    else if (tag === 18) {
      value = anyValueField(r, depth);
    } else r.skip(tag & 7);
  }
  if (r.pos !== end) {
    throw overrun();
  }
  return [key, value];
}

/** Decodes one `KeyValue` field into `into`. */
function attribute(r: PbReader, into: KeyValue[]): void {
  into.push(keyValue(r, r.end(), 0));
}

/** Decodes a sub-message with `decode` and checks it ends where its length says. */
export function message<T>(r: PbReader, decode: Decode<T>): T {
  const end = r.end();
  const value = decode(r, end);
  if (r.pos !== end) {
    throw overrun();
  }
  return value;
}

export function scope(r: PbReader, end: number): Scope {
  const s: Scope = { name: "", version: "", attributes: [], droppedAttributesCount: 0 };
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === 10) s.name = r.string();
    else if (tag === 18) s.version = r.string();
    else if (tag === 26) attribute(r, s.attributes);
    else if (tag === 32) s.droppedAttributesCount = r.uint32();
    else r.skip(tag & 7);
  }
  return s;
}

export function resourceAttributes(r: PbReader, end: number): KeyValue[] {
  const attributes: KeyValue[] = [];
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === 10) attribute(r, attributes);
    else r.skip(tag & 7);
  }
  return attributes;
}

function scopeGroup<T>(r: PbReader, end: number, item: Decode<T>): ScopeGroup<T> {
  const group: ScopeGroup<T> = {
    scope: { name: "", version: "", attributes: [], droppedAttributesCount: 0 },
    schemaUrl: "",
    items: [],
  };
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === 10) group.scope = message(r, scope);
    else if (tag === 18) group.items.push(message(r, item));
    else if (tag === 26) group.schemaUrl = r.string();
    else r.skip(tag & 7);
  }
  return group;
}

function decodeRequest<T>(body: Uint8Array, item: Decode<T>): ResourceGroup<T>[] {
  const r = new PbReader(body);
  const groups: ResourceGroup<T>[] = [];
  while (r.pos < body.length) {
    const tag = r.tag();
    if (tag !== 10) {
      r.skip(tag & 7);
      continue;
    }
    const end = r.end();
    const group: ResourceGroup<T> = { resource: { attributes: [], schemaUrl: "" }, scopes: [] };
    while (r.pos < end) {
      const t = r.tag();
      if (t === 10) group.resource.attributes = message(r, resourceAttributes);
      else if (t === 18) group.scopes.push(message(r, (r, e) => scopeGroup(r, e, item)));
      else if (t === 26) group.resource.schemaUrl = r.string();
      else r.skip(t & 7);
    }
    if (r.pos !== end) {
      throw overrun();
    }
    groups.push(group);
  }
  return groups;
}

// ---- traces ----

function spanEvent(r: PbReader, end: number): SpanEvent {
  const e: SpanEvent = { time: 0n, name: "", attributes: [] };
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === 9) e.time = r.fixed64();
    else if (tag === 18) e.name = r.string();
    else if (tag === 26) attribute(r, e.attributes);
    else if (tag === 32) e.droppedAttributesCount = r.uint32();
    else r.skip(tag & 7);
  }
  return e;
}

function spanLink(r: PbReader, end: number): SpanLink {
  const l: SpanLink = { traceId: "", spanId: "", traceState: "", attributes: [] };
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === 10) l.traceId = r.hex();
    else if (tag === 18) l.spanId = r.hex();
    else if (tag === 26) l.traceState = r.string();
    else if (tag === 34) attribute(r, l.attributes);
    else if (tag === 40) l.droppedAttributesCount = r.uint32();
    else r.skip(tag & 7);
  }
  return l;
}

export function span(r: PbReader, end: number): Span {
  const s: Span = {
    traceId: "",
    spanId: "",
    parentSpanId: "",
    traceState: "",
    name: "",
    kind: 0,
    start: 0n,
    end: 0n,
    attributes: [],
    events: [],
    links: [],
    statusCode: 0,
    statusMessage: "",
  };
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag) {
      case 10:
        s.traceId = r.hex();
        break;
      case 18:
        s.spanId = r.hex();
        break;
      case 26:
        s.traceState = r.string();
        break;
      case 34:
        s.parentSpanId = r.hex();
        break;
      case 42:
        s.name = r.string();
        break;
      case 48:
        s.kind = r.int32();
        break;
      case 57:
        s.start = r.fixed64();
        break;
      case 65:
        s.end = r.fixed64();
        break;
      case 74:
        attribute(r, s.attributes);
        break;
      case 80:
        s.droppedAttributesCount = r.uint32();
        break;
      case 90:
        s.events.push(message(r, spanEvent));
        break;
      case 96:
        s.droppedEventsCount = r.uint32();
        break;
      case 106:
        s.links.push(message(r, spanLink));
        break;
      case 112:
        s.droppedLinksCount = r.uint32();
        break;
      case 122: {
        const statusEnd = r.end();
        while (r.pos < statusEnd) {
          const t = r.tag();
          if (t === 18) s.statusMessage = r.string();
          else if (t === 24) s.statusCode = r.int32();
          else r.skip(t & 7);
        }
        if (r.pos !== statusEnd) {
          throw overrun();
        }
        break;
      }
      default:
        r.skip(tag & 7);
    }
  }
  return s;
}

/**
 * Decodes an `ExportTraceServiceRequest`.
 *
 * @example
 * ```ts
 * import { decodeTracesProto } from "./protobuf.ts";
 * console.assert(decodeTracesProto(new Uint8Array(0)).length === 0);
 * ```
 */
export function decodeTracesProto(body: Uint8Array): TracesRequest {
  return decodeRequest(body, span);
}

// ---- logs ----

export function logRecord(r: PbReader, end: number): LogRecord {
  const l: LogRecord = {
    time: 0n,
    observedTime: 0n,
    severityNumber: 0,
    severityText: "",
    body: null,
    attributes: [],
    flags: 0,
    traceId: "",
    spanId: "",
    eventName: "",
  };
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag) {
      case 9:
        l.time = r.fixed64();
        break;
      case 16:
        l.severityNumber = r.int32();
        break;
      case 26:
        l.severityText = r.string();
        break;
      case 42:
        l.body = anyValueField(r, 0);
        break;
      case 50:
        attribute(r, l.attributes);
        break;
      case 56:
        l.droppedAttributesCount = r.uint32();
        break;
      case 69:
        l.flags = r.fixed32();
        break;
      case 74:
        l.traceId = r.hex();
        break;
      case 82:
        l.spanId = r.hex();
        break;
      case 89:
        l.observedTime = r.fixed64();
        break;
      case 98:
        l.eventName = r.string();
        break;
      default:
        r.skip(tag & 7);
    }
  }
  return l;
}

/** Decodes an `ExportLogsServiceRequest`. */
export function decodeLogsProto(body: Uint8Array): LogsRequest {
  return decodeRequest(body, logRecord);
}

// ---- metrics ----

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

// ---- responses ----

function varintBytes(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

function lenField(field: number, bytes: Uint8Array | number[]): number[] {
  return [(field << 3) | LEN, ...varintBytes(bytes.length), ...bytes];
}

const textEncoder = new TextEncoder();

/**
 * Encodes an `Export*ServiceResponse`: empty on full success, else a `partial_success` with the
 * rejected count (field 1) and error message (field 2) — the same layout for all signals.
 */
export function encodeExportResponse(rejected: number, message: string): Uint8Array {
  if (rejected === 0 && message === "") return new Uint8Array(0);
  const inner: number[] = [];
  if (rejected > 0) inner.push(1 << 3 | VARINT, ...varintBytes(rejected));
  if (message !== "") inner.push(...lenField(2, textEncoder.encode(message)));
  return new Uint8Array(lenField(1, inner));
}

/** Encodes a `google.rpc.Status` with a gRPC code and message (OTLP/HTTP error bodies). */
export function encodeStatus(code: number, message: string): Uint8Array {
  const out: number[] = [];
  if (code !== 0) out.push(1 << 3 | VARINT, ...varintBytes(code));
  if (message !== "") out.push(...lenField(2, textEncoder.encode(message)));
  return new Uint8Array(out);
}
