/**
 * Encodes the OTLP model back to protobuf: the mirror of the decoder (`otlp/pb_*.ts`), used by tests, the
 * fuzzer and the benchmark to build request bodies. Not used on the ingest path.
 *
 * @module
 */
import {
  type AnyValue,
  type Exemplar,
  type ExpBuckets,
  type KeyValue,
  KvList,
  type LogRecord,
  type Metric,
  type ResourceGroup,
  type Scope,
  type Span,
} from "../otlp/model.ts";

const encoder = new TextEncoder();

class Writer {
  bytes: Uint8Array<ArrayBuffer> = new Uint8Array(1024);
  view = new DataView(this.bytes.buffer);
  length = 0;

  reserve(n: number): void {
    if (this.length + n <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < this.length + n) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
    this.view = new DataView(grown.buffer);
  }

  varint(v: number | bigint): void {
    let n = BigInt.asUintN(64, BigInt(v));
    this.reserve(10);
    while (n >= 0x80n) {
      this.bytes[this.length++] = Number(n & 0x7fn) | 0x80;
      n >>= 7n;
    }
    this.bytes[this.length++] = Number(n);
  }

  tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  fixed64(field: number, v: bigint): void {
    if (v === 0n) return;
    this.tag(field, 1);
    this.reserve(8);
    this.view.setBigUint64(this.length, BigInt.asUintN(64, v), true);
    this.length += 8;
  }

  double(field: number, v: number, always = false): void {
    if (v === 0 && !always && !Object.is(v, -0)) return;
    this.tag(field, 1);
    this.reserve(8);
    this.view.setFloat64(this.length, v, true);
    this.length += 8;
  }

  fixed32(field: number, v: number): void {
    if (v === 0) return;
    this.tag(field, 5);
    this.reserve(4);
    this.view.setUint32(this.length, v, true);
    this.length += 4;
  }

  uint(field: number, v: number | bigint | boolean): void {
    if (v === 0 || v === 0n || v === false) return;
    this.tag(field, 0);
    this.varint(typeof v === "boolean" ? 1 : v);
  }

  sint32(field: number, v: number): void {
    if (v === 0) return;
    this.tag(field, 0);
    this.varint(((v << 1) ^ (v >> 31)) >>> 0);
  }

  raw(field: number, data: Uint8Array): void {
    this.tag(field, 2);
    this.varint(data.length);
    this.reserve(data.length);
    this.bytes.set(data, this.length);
    this.length += data.length;
  }

  string(field: number, s: string): void {
    if (s !== "") this.raw(field, encoder.encode(s));
  }

  hex(field: number, hex: string): void {
    if (hex === "") return;
    this.raw(field, Uint8Array.from(hex.match(/../g)!, (b) => parseInt(b, 16)));
  }

  message(field: number, write: (w: Writer) => void): void {
    const inner = new Writer();
    write(inner);
    this.raw(field, inner.result());
  }

  result(): Uint8Array<ArrayBuffer> {
    return this.bytes.slice(0, this.length);
  }
}

function anyValue(w: Writer, v: AnyValue): void {
  if (v === null) return;
  if (typeof v === "string") w.raw(1, encoder.encode(v));
  else if (typeof v === "boolean") {
    w.tag(2, 0);
    w.varint(v ? 1 : 0);
  } else if (
    typeof v === "bigint" || (typeof v === "number" && Number.isSafeInteger(v) && !Object.is(v, -0))
  ) {
    w.tag(3, 0);
    w.varint(v);
  } else if (typeof v === "number") w.double(4, v, true);
  else if (v instanceof Uint8Array) w.raw(7, v);
  else if (Array.isArray(v)) {
    w.message(5, (a) => v.forEach((item) => a.message(1, (x) => anyValue(x, item))));
  } else w.message(6, (l) => attributes(l, 1, (v as KvList).entries));
}

function attributes(w: Writer, field: number, kvs: KeyValue[]): void {
  for (const [key, value] of kvs) {
    w.message(field, (kv) => {
      kv.string(1, key);
      kv.message(2, (x) => anyValue(x, value));
    });
  }
}

function scope(w: Writer, s: Scope): void {
  w.string(1, s.name);
  w.string(2, s.version);
  attributes(w, 3, s.attributes);
  w.uint(4, s.droppedAttributesCount);
}

function request<T>(
  groups: ResourceGroup<T>[],
  item: (w: Writer, x: T) => void,
): Uint8Array<ArrayBuffer> {
  const w = new Writer();
  for (const group of groups) {
    w.message(1, (rg) => {
      rg.message(1, (r) => attributes(r, 1, group.resource.attributes));
      for (const sg of group.scopes) {
        rg.message(2, (s) => {
          s.message(1, (x) => scope(x, sg.scope));
          for (const it of sg.items) s.message(2, (x) => item(x, it));
          s.string(3, sg.schemaUrl);
        });
      }
      rg.string(3, group.resource.schemaUrl);
    });
  }
  return w.result();
}

function span(w: Writer, s: Span): void {
  w.hex(1, s.traceId);
  w.hex(2, s.spanId);
  w.string(3, s.traceState);
  w.hex(4, s.parentSpanId);
  w.string(5, s.name);
  w.uint(6, s.kind);
  w.fixed64(7, s.start);
  w.fixed64(8, s.end);
  attributes(w, 9, s.attributes);
  w.uint(10, s.droppedAttributesCount ?? 0);
  for (const e of s.events) {
    w.message(11, (x) => {
      x.fixed64(1, e.time);
      x.string(2, e.name);
      attributes(x, 3, e.attributes);
      x.uint(4, e.droppedAttributesCount ?? 0);
    });
  }
  w.uint(12, s.droppedEventsCount ?? 0);
  for (const l of s.links) {
    w.message(13, (x) => {
      x.hex(1, l.traceId);
      x.hex(2, l.spanId);
      x.string(3, l.traceState);
      attributes(x, 4, l.attributes);
      x.uint(5, l.droppedAttributesCount ?? 0);
    });
  }
  w.uint(14, s.droppedLinksCount ?? 0);
  if (s.statusCode !== 0 || s.statusMessage !== "") {
    w.message(15, (x) => {
      x.string(2, s.statusMessage);
      x.uint(3, s.statusCode);
    });
  }
}

/**
 * Encodes an `ExportTraceServiceRequest`.
 *
 * @example
 * ```ts
 * import { encodeTraces } from "./otlp_encode.ts";
 * console.assert(encodeTraces([]).length === 0);
 * ```
 */
export function encodeTraces(groups: ResourceGroup<Span>[]): Uint8Array<ArrayBuffer> {
  return request(groups, span);
}

function logRecord(w: Writer, l: LogRecord): void {
  w.fixed64(1, l.time);
  w.uint(2, l.severityNumber);
  w.string(3, l.severityText);
  if (l.body !== null) w.message(5, (x) => anyValue(x, l.body));
  attributes(w, 6, l.attributes);
  w.uint(7, l.droppedAttributesCount ?? 0);
  w.fixed32(8, l.flags);
  w.hex(9, l.traceId);
  w.hex(10, l.spanId);
  w.fixed64(11, l.observedTime);
  w.string(12, l.eventName);
}

/** Encodes an `ExportLogsServiceRequest`. */
export function encodeLogs(groups: ResourceGroup<LogRecord>[]): Uint8Array<ArrayBuffer> {
  return request(groups, logRecord);
}

function exemplars(w: Writer, field: number, list: Exemplar[]): void {
  for (const e of list) {
    w.message(field, (x) => {
      x.fixed64(2, e.time);
      x.double(3, e.value, true);
      x.hex(4, e.spanId);
      x.hex(5, e.traceId);
      attributes(x, 7, e.filteredAttributes);
    });
  }
}

function packedFixed64(w: Writer, field: number, values: (number | bigint)[]): void {
  if (values.length === 0) return;
  const inner = new Writer();
  for (const v of values) {
    inner.reserve(8);
    inner.view.setBigUint64(inner.length, BigInt.asUintN(64, BigInt(v)), true);
    inner.length += 8;
  }
  w.raw(field, inner.result());
}

function packedDouble(w: Writer, field: number, values: number[]): void {
  if (values.length === 0) return;
  const inner = new Writer();
  for (const v of values) {
    inner.reserve(8);
    inner.view.setFloat64(inner.length, v, true);
    inner.length += 8;
  }
  w.raw(field, inner.result());
}

function buckets(w: Writer, field: number, b: ExpBuckets): void {
  w.message(field, (x) => {
    x.sint32(1, b.offset);
    if (b.bucketCounts.length > 0) {
      const inner = new Writer();
      for (const c of b.bucketCounts) inner.varint(c);
      x.raw(2, inner.result());
    }
  });
}

function metric(w: Writer, m: Metric): void {
  w.string(1, m.name);
  w.string(2, m.description);
  w.string(3, m.unit);
  const d = m.data;
  switch (d.type) {
    case "gauge":
    case "sum":
      w.message(d.type === "gauge" ? 5 : 7, (x) => {
        for (const p of d.points) {
          x.message(1, (y) => {
            y.fixed64(2, p.start);
            y.fixed64(3, p.time);
            y.double(4, p.value, true);
            exemplars(y, 5, p.exemplars);
            attributes(y, 7, p.attributes);
            y.uint(8, p.flags);
          });
        }
        if (d.type === "sum") {
          x.uint(2, d.temporality);
          x.uint(3, d.monotonic);
        }
      });
      break;
    case "histogram":
      w.message(9, (x) => {
        for (const p of d.points) {
          x.message(1, (y) => {
            y.fixed64(2, p.start);
            y.fixed64(3, p.time);
            y.fixed64(4, p.count);
            y.double(5, p.sum);
            packedFixed64(y, 6, p.bucketCounts);
            packedDouble(y, 7, p.explicitBounds);
            exemplars(y, 8, p.exemplars);
            attributes(y, 9, p.attributes);
            y.uint(10, p.flags);
            y.double(11, p.min);
            y.double(12, p.max);
          });
        }
        x.uint(2, d.temporality);
      });
      break;
    case "exponential_histogram":
      w.message(10, (x) => {
        for (const p of d.points) {
          x.message(1, (y) => {
            attributes(y, 1, p.attributes);
            y.fixed64(2, p.start);
            y.fixed64(3, p.time);
            y.fixed64(4, p.count);
            y.double(5, p.sum);
            y.sint32(6, p.scale);
            y.fixed64(7, p.zeroCount);
            buckets(y, 8, p.positive);
            buckets(y, 9, p.negative);
            y.uint(10, p.flags);
            exemplars(y, 11, p.exemplars);
            y.double(12, p.min);
            y.double(13, p.max);
          });
        }
        x.uint(2, d.temporality);
      });
      break;
    case "summary":
      w.message(11, (x) => {
        for (const p of d.points) {
          x.message(1, (y) => {
            y.fixed64(2, p.start);
            y.fixed64(3, p.time);
            y.fixed64(4, p.count);
            y.double(5, p.sum);
            p.quantiles.forEach((q, i) =>
              y.message(6, (z) => {
                z.double(1, q);
                z.double(2, p.values[i]);
              })
            );
            attributes(y, 7, p.attributes);
            y.uint(8, p.flags);
          });
        }
      });
      break;
  }
}

/** Encodes an `ExportMetricsServiceRequest`. */
export function encodeMetrics(groups: ResourceGroup<Metric>[]): Uint8Array<ArrayBuffer> {
  return request(groups, metric);
}
