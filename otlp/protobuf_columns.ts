/**
 * The fast path of OTLP/protobuf trace and log ingest: an `ExportTraceServiceRequest` (or
 * `ExportLogsServiceRequest`) decoded straight into the columns of an `otel_traces` (`otel_logs`)
 * Native block, with no model objects and no JavaScript
 * strings for ids, names and string attributes — their UTF-8 bytes are copied from the request
 * into the block, ids are hex-encoded byte by byte, attribute entries are sorted by key bytes.
 *
 * It covers the common span exactly as {@linkcode mapTracesInto} maps the decoded model
 * (`protobuf.ts`), and leaves everything else to that path, so the rows are the same:
 *
 * - per span, when a string is not ASCII, an attribute value is an array, kvlist or bytes, the
 *   span has links, is an error (status `Error` or an `exception` event: `error.fingerprint`), or
 *   an id has a length the mapper rejects, the span is decoded into the model and mapped;
 * - so is a span over the attribute limits of its {@linkcode RecordPolicy} (too many
 *   attributes or events, a string value too long), which the policy then applies, and, when
 *   the policy redacts, a span with a key or a string a redaction rule could change;
 * - per request, any decoding error ends the fast path: the caller rolls the block back and runs
 *   the model path, which accepts or rejects the body with its own message.
 *
 * @module
 */
import { encodeMapEntries, encodeString } from "../sql/native/mod.ts";
import type { StringMapWriter, StringWriter } from "../sql/tables/column_writers.ts";
import type { LogsBlock } from "../sql/tables/otel_logs.ts";
import type { TracesBlock } from "../sql/tables/otel_traces.ts";
import { SPAN_STATUS_CODES } from "../sql/span_status.ts";
import { limitScope } from "./limits.ts";
import type { Rejections, ResourceRows } from "./map_common.ts";
import { serviceName } from "./map_common.ts";
import {
  appendSpan,
  appendSpanScope,
  SPAN_KINDS,
  type SpanScope,
  spanScope,
} from "./map_traces.ts";
import type { KeyValue, Scope } from "./model.ts";
import { PbReader } from "./pb_reader.ts";
import { appendLog, appendLogScope, type LogScope, logScope } from "./map_logs.ts";
import { eachField, message, resourceAttributes, scope as decodeScope } from "./pb_common.ts";
import { logRecord as decodeLogRecord } from "./pb_logs.ts";
import { span as decodeSpan } from "./pb_traces.ts";
import { asString, attributeMap } from "./values.ts";
import { RecordPolicy } from "./record_policy.ts";
import { mayRedactKey, mayRedactValue } from "./redaction_scan.ts";

/** Value kinds of a scanned attribute. */
const NONE = 0, STRING = 1, BOOL = 2, INT = 3, DOUBLE = 4;

/** Scanned attributes of one span (its own and its events'), reused across spans. */
class Scratch {
  size = 0;
  keyStart = new Int32Array(64);
  keyEnd = new Int32Array(64);
  keyPrefix = new Uint32Array(64);
  kind = new Uint8Array(64);
  valueStart = new Int32Array(64);
  valueEnd = new Int32Array(64);
  number = new Float64Array(64);
  /** -1: the span's attribute; otherwise the index of its event. */
  owner = new Int32Array(64);
  order = new Int32Array(64);

  grow(): void {
    const n = this.keyStart.length * 2;
    const g = <T extends Int32Array | Uint32Array | Uint8Array | Float64Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(n);
      b.set(a);
      return b;
    };
    this.keyStart = g(this.keyStart);
    this.keyEnd = g(this.keyEnd);
    this.keyPrefix = g(this.keyPrefix);
    this.kind = g(this.kind);
    this.valueStart = g(this.valueStart);
    this.valueEnd = g(this.valueEnd);
    this.number = g(this.number);
    this.owner = g(this.owner);
    this.order = g(this.order);
  }
}

const EMPTY = encodeString("");
const KIND_BYTES = SPAN_KINDS.map(encodeString);
const STATUS_BYTES = SPAN_STATUS_CODES.map(encodeString);
const TRUE = encodeString("true");
const FALSE = encodeString("false");

/** Thrown inside a span scan: map this span through the model instead. */
const SLOW = Symbol("slow span");

const scratch = new Scratch();

/** The limits of the request being decoded: a record over them goes the model path. */
let countLimit = Infinity, valueLengthLimit = Infinity, eventLimit = Infinity;
/**
 * Redaction on: a record with a key or a string the rules could change goes the model path
 * (`redaction_scan.ts` checks the bytes); the rest cannot change and is copied as it is.
 */
let redacting = false;
/** The policy of the request being decoded. */
const DEFAULT_POLICY = new RecordPolicy();
let policy = DEFAULT_POLICY;

function usePolicy(p: RecordPolicy, signal: "span" | "log"): void {
  policy = p;
  countLimit = p.limits[signal].count;
  valueLengthLimit = p.limits[signal].valueLength;
  eventLimit = p.limits.spanEvents;
  redacting = p.redacts;
}

function ascii(buf: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (buf[i] >= 0x80) return false;
  return true;
}

/** A string field's bounds, after its length prefix; the span goes slow unless ASCII. */
function stringField(r: PbReader): number {
  const end = r.end();
  if (!ascii(r.buf, r.pos, end)) throw SLOW;
  return end;
}

/** The last `AnyValue` scanned by {@linkcode scanValue}. */
let valueKind = NONE, valueFrom = 0, valueTo = 0, valueNumber = 0;

/**
 * Scans an `AnyValue` (the reader at its length prefix) as the model decoder reads it (the last
 * field wins); arrays, kvlists and bytes go slow.
 */
function scanValue(r: PbReader): void {
  const end = r.end();
  valueKind = NONE;
  while (r.pos < end) {
    const t = r.tag();
    if (t === 10) {
      const e = stringField(r);
      valueKind = STRING;
      valueFrom = r.pos;
      valueTo = e;
      r.pos = e;
    } else if (t === 16) {
      valueKind = BOOL;
      valueNumber = r.bool() ? 1 : 0;
    } else if (t === 24) {
      valueKind = INT;
      valueFrom = r.pos;
      r.varint64(true);
    } else if (t === 33) {
      valueKind = DOUBLE;
      valueNumber = r.double();
    } else if (t === 42 || t === 50 || t === 58) throw SLOW;
    else r.skip(t & 7);
  }
  if (r.pos !== end) throw SLOW;
}

/** Writes a scanned value as `asString` prints it. */
function writeValue(
  r: PbReader,
  out: StringWriter,
  kind: number,
  start: number,
  end: number,
  number: number,
): void {
  switch (kind) {
    case STRING:
      out.utf8(r.buf, start, end);
      break;
    case BOOL:
      out.encoded(number ? TRUE : FALSE);
      break;
    case INT: {
      const at = r.pos;
      r.pos = start;
      out.string(asString(r.varint64(true)));
      r.pos = at;
      break;
    }
    case DOUBLE:
      out.string(asString(number));
      break;
    default:
      out.empty();
  }
}

/** Scans one `KeyValue` (the reader is at its length prefix) into the scratch. */
function scanAttribute(r: PbReader, owner: number): void {
  const end = r.end();
  const buf = r.buf;
  if (scratch.size === scratch.keyStart.length) scratch.grow();
  const i = scratch.size;
  let keyStart = 0, keyEnd = 0, kind = NONE, valueStart = 0, valueEnd = 0, number = 0;
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === 10) {
      const e = stringField(r);
      keyStart = r.pos;
      keyEnd = e;
      r.pos = e;
    } else if (tag === 18) {
      scanValue(r);
      kind = valueKind;
      valueStart = valueFrom;
      valueEnd = valueTo;
      number = valueNumber;
    } else r.skip(tag & 7);
  }
  if (r.pos !== end) throw SLOW;
  // All ASCII here: bytes are characters.
  if (kind === STRING && valueEnd - valueStart > valueLengthLimit) throw SLOW;
  if (
    redacting && (mayRedactKey(buf, keyStart, keyEnd, owner < 0) ||
      (kind === STRING && mayRedactValue(buf, valueStart, valueEnd)))
  ) throw SLOW;
  let prefix = 0;
  for (let k = 0; k < 4; k++) {
    prefix = prefix * 256 + (keyStart + k < keyEnd ? buf[keyStart + k] : 0);
  }
  scratch.keyStart[i] = keyStart;
  scratch.keyEnd[i] = keyEnd;
  scratch.keyPrefix[i] = prefix;
  scratch.kind[i] = kind;
  scratch.valueStart[i] = valueStart;
  scratch.valueEnd[i] = valueEnd;
  scratch.number[i] = number;
  scratch.owner[i] = owner;
  scratch.size++;
}

/** Key order of scanned attributes `a` and `b`: their UTF-8 bytes (all ASCII here). */
function compareKeys(buf: Uint8Array, a: number, b: number): number {
  const pa = scratch.keyPrefix[a], pb = scratch.keyPrefix[b];
  if (pa !== pb) return pa < pb ? -1 : 1;
  const as = scratch.keyStart[a], ae = scratch.keyEnd[a];
  const bs = scratch.keyStart[b], be = scratch.keyEnd[b];
  const n = Math.min(ae - as, be - bs);
  for (let k = 4; k < n; k++) {
    const d = buf[as + k] - buf[bs + k];
    if (d !== 0) return d;
  }
  return (ae - as) - (be - bs);
}

/**
 * Writes the attributes of `owner` as one map value: entries sorted by key bytes, stably (as
 * `attributeMap` sorts), values stringified as `asString` does.
 */
function writeAttributes(r: PbReader, map: StringMapWriter, owner: number): void {
  const keys = map.keys, values = map.values;
  const buf = r.buf;
  const order = scratch.order;
  let n = 0;
  for (let i = 0; i < scratch.size; i++) {
    if (scratch.owner[i] !== owner) continue;
    // Insertion sort: stable, and attributes are few.
    let j = n++;
    while (j > 0 && compareKeys(buf, order[j - 1], i) > 0) {
      order[j] = order[j - 1];
      j--;
    }
    order[j] = i;
  }
  for (let k = 0; k < n; k++) {
    const i = order[k];
    keys.utf8(buf, scratch.keyStart[i], scratch.keyEnd[i]);
    writeValue(
      r,
      values,
      scratch.kind[i],
      scratch.valueStart[i],
      scratch.valueEnd[i],
      scratch.number[i],
    );
  }
  map.end(n);
}

/** Per-event fields of the span being scanned. */
const eventTime: number[] = [];
const eventNameStart: number[] = [];
const eventNameEnd: number[] = [];

const EXCEPTION = [101, 120, 99, 101, 112, 116, 105, 111, 110]; // "exception"

function isException(buf: Uint8Array, start: number, end: number): boolean {
  if (end - start !== 9) return false;
  for (let i = 0; i < 9; i++) if (buf[start + i] !== EXCEPTION[i]) return false;
  return true;
}

/**
 * Scans one span (`r` after its length prefix, `end` its end) and writes its row; throws
 * {@linkcode SLOW} for spans the model path must map.
 */
function fastSpan(r: PbReader, end: number, b: TracesBlock, s: SpanScope): void {
  const buf = r.buf;
  scratch.size = 0;
  let events = 0, attributes = 0;
  let traceId = -1, traceIdEnd = -1, spanId = -1, spanIdEnd = -1, parent = -1, parentEnd = -1;
  let state = -1, stateEnd = -1, name = -1, nameEnd = -1, kind = 0;
  let start = -1, finish = -1, statusCode = 0, statusMessage = -1, statusMessageEnd = -1;
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag) {
      case 10:
        traceIdEnd = r.end();
        traceId = r.pos;
        r.pos = traceIdEnd;
        break;
      case 18:
        spanIdEnd = r.end();
        spanId = r.pos;
        r.pos = spanIdEnd;
        break;
      case 26:
        stateEnd = stringField(r);
        state = r.pos;
        r.pos = stateEnd;
        break;
      case 34:
        parentEnd = r.end();
        parent = r.pos;
        r.pos = parentEnd;
        break;
      case 42:
        nameEnd = stringField(r);
        name = r.pos;
        r.pos = nameEnd;
        break;
      case 48:
        kind = r.int32();
        break;
      case 57:
        start = r.pos;
        r.fixed64Small();
        break;
      case 65:
        finish = r.pos;
        r.fixed64Small();
        break;
      case 74:
        if (++attributes > countLimit) throw SLOW;
        scanAttribute(r, -1);
        break;
      case 90: {
        if (events >= eventLimit) throw SLOW;
        const eventEnd = r.end();
        let time = -1, nameStart = -1, nameStop = -1, eventAttributes = 0;
        while (r.pos < eventEnd) {
          const t = r.tag();
          if (t === 9) {
            time = r.pos;
            r.fixed64Small();
          } else if (t === 18) {
            nameStop = stringField(r);
            nameStart = r.pos;
            r.pos = nameStop;
          } else if (t === 26) {
            if (++eventAttributes > countLimit) throw SLOW;
            scanAttribute(r, events);
          } else r.skip(t & 7);
        }
        if (r.pos !== eventEnd) throw SLOW;
        if (nameStart >= 0 && isException(buf, nameStart, nameStop)) throw SLOW;
        eventTime[events] = time;
        eventNameStart[events] = nameStart;
        eventNameEnd[events] = nameStop;
        events++;
        break;
      }
      case 106:
        throw SLOW;
      case 122: {
        const statusEnd = r.end();
        while (r.pos < statusEnd) {
          const t = r.tag();
          if (t === 18) {
            statusMessageEnd = stringField(r);
            statusMessage = r.pos;
            r.pos = statusMessageEnd;
          } else if (t === 24) statusCode = r.int32();
          else r.skip(t & 7);
        }
        if (r.pos !== statusEnd) throw SLOW;
        break;
      }
      default:
        r.skip(tag & 7);
    }
  }
  if (r.pos !== end) throw SLOW;
  if (statusCode === 2) throw SLOW;
  if (redacting && statusMessage >= 0 && mayRedactValue(buf, statusMessage, statusMessageEnd)) {
    throw SLOW;
  }
  const traceLength = traceId < 0 ? 0 : traceIdEnd - traceId;
  const spanLength = spanId < 0 ? 0 : spanIdEnd - spanId;
  const parentLength = parent < 0 ? 0 : parentEnd - parent;
  if (traceLength !== 0 && traceLength !== 16) throw SLOW;
  if (spanLength !== 0 && spanLength !== 8) throw SLOW;
  if (parentLength !== 0 && parentLength !== 8) throw SLOW;

  if (start < 0) b.timestamp.zero();
  else b.timestamp.le64(buf, start);
  id(b.traceId, buf, traceId, traceIdEnd);
  id(b.spanId, buf, spanId, spanIdEnd);
  id(b.parentSpanId, buf, parent, parentEnd);
  text(b.traceState, buf, state, stateEnd);
  text(b.spanName, buf, name, nameEnd);
  b.spanKind.encoded(KIND_BYTES[kind] ?? EMPTY);
  appendSpanScope(b, s);
  writeAttributes(r, b.spanAttributes, -1);
  // Duration: end - start, wrapped to 64 bits, from the two 32-bit halves.
  const view = r.view;
  const startLo = start < 0 ? 0 : view.getUint32(start, true);
  const startHi = start < 0 ? 0 : view.getUint32(start + 4, true);
  const endLo = finish < 0 ? 0 : view.getUint32(finish, true);
  const endHi = finish < 0 ? 0 : view.getUint32(finish + 4, true);
  const borrow = endLo < startLo ? 1 : 0;
  b.duration.halves((endLo - startLo) >>> 0, (endHi - startHi - borrow) >>> 0);
  b.statusCode.encoded(STATUS_BYTES[statusCode] ?? EMPTY);
  text(b.statusMessage, buf, statusMessage, statusMessageEnd);
  const eventTimes = b.eventTimestamps.items;
  const eventNames = b.eventNames.items;
  const eventMaps = b.eventAttributes.items;
  for (let e = 0; e < events; e++) {
    if (eventTime[e] < 0) eventTimes.zero();
    else eventTimes.le64(buf, eventTime[e]);
    text(eventNames, buf, eventNameStart[e], eventNameEnd[e]);
    writeAttributes(r, eventMaps, e);
  }
  b.endEvents(events);
  b.endLinks(0);
  b.endRow();
}

function id(out: StringWriter, buf: Uint8Array, start: number, end: number): void {
  if (start < 0 || start === end) out.empty();
  else out.hexId(buf, start, end);
}

function text(out: StringWriter, buf: Uint8Array, start: number, end: number): void {
  if (start < 0) out.empty();
  else out.utf8(buf, start, end);
}

/**
 * What a signal gives the walk: per scope what its rows share (the scope read ahead of its
 * records, as the model path's `appendEach` asks it), per record its two paths.
 */
interface Signal<S> {
  scope(resource: ResourceRows, scope: Scope, schemaUrl: string): S;
  /** Writes one record's row straight from the bytes, or throws {@linkcode SLOW} first. */
  fast(r: PbReader, end: number, ctx: S): void;
  /** Decodes one record into the model and appends it; false when it was rejected. */
  model(r: PbReader, end: number, ctx: S): boolean;
}

/**
 * The request walk both fast paths share. For every resource group (field 1) it reads the
 * resource (attributes through the record policy) and its schema URL, then for every scope group
 * (field 2) the scope and its schema URL, asks the signal for what the scope's rows share, and
 * writes each record (field 2 of the scope group) with the signal's fast path, or its model path
 * when the fast path throws {@linkcode SLOW}. Returns the records appended. Throws `SyntaxError`
 * on a field that overruns its message.
 */
function walkRequest<S>(body: Uint8Array, signal: Signal<S>): number {
  const r = new PbReader(body);
  let appended = 0;
  eachField(r, body.length, 10, (end) => {
    const from = r.pos;
    let attributes: KeyValue[] = [];
    let schemaUrl = "";
    while (r.pos < end) {
      const t = r.tag();
      if (t === 10) attributes = message(r, resourceAttributes);
      else if (t === 26) schemaUrl = r.string();
      else r.skip(t & 7);
    }
    if (r.pos !== end) throw new SyntaxError("overrun");
    attributes = policy.resource(attributes);
    const resource: ResourceRows = {
      service: serviceName(attributes),
      resource: encodeMapEntries(attributeMap(attributes)),
      schemaUrl,
    };
    r.pos = from;
    eachField(r, end, 18, (scopeEnd) => {
      const scopeFrom = r.pos;
      let scope: Scope = { name: "", version: "", attributes: [], droppedAttributesCount: 0 };
      let scopeUrl = "";
      while (r.pos < scopeEnd) {
        const st = r.tag();
        if (st === 10) scope = message(r, decodeScope);
        else if (st === 26) scopeUrl = r.string();
        else r.skip(st & 7);
      }
      if (r.pos !== scopeEnd) throw new SyntaxError("overrun");
      r.pos = scopeFrom;
      const ctx = signal.scope(resource, scope, scopeUrl);
      while (r.pos < scopeEnd) {
        const st = r.tag();
        if (st !== 18) {
          r.skip(st & 7);
          continue;
        }
        const recordEnd = r.end();
        const recordStart = r.pos;
        try {
          signal.fast(r, recordEnd, ctx);
          appended++;
        } catch (error) {
          // SLOW is thrown while scanning, before anything is written.
          if (error !== SLOW) throw error;
          r.pos = recordStart;
          if (signal.model(r, recordEnd, ctx)) appended++;
        }
      }
      if (r.pos !== scopeEnd) throw new SyntaxError("overrun");
    });
  });
  return appended;
}

/**
 * Decodes an `ExportTraceServiceRequest` straight into an `otel_traces` block:
 * the rows {@linkcode mapTracesInto} would append for `decodeTracesProto(body)`. Returns the
 * spans appended; rejected spans are counted in `out`. Throws on a malformed body, having
 * possibly written part of it: the caller rolls the builder back (and runs the model path for
 * its error message).
 *
 * @example
 * ```ts
 * import { NativeBlockBuilder } from "../sql/native/mod.ts";
 * import { TRACES_COLUMNS, TracesBlock } from "../sql/tables/otel_traces.ts";
 * import { decodeTracesProtoInto } from "./protobuf_columns.ts";
 * const block = new TracesBlock(new NativeBlockBuilder(TRACES_COLUMNS));
 * console.assert(decodeTracesProtoInto(new Uint8Array(0), block, { rejected: 0, errors: [] }) === 0);
 * ```
 */
export function decodeTracesProtoInto(
  body: Uint8Array,
  b: TracesBlock,
  out: Rejections,
  recordPolicy: RecordPolicy = DEFAULT_POLICY,
): number {
  usePolicy(recordPolicy, "span");
  return walkRequest<SpanScope>(body, {
    scope: spanScope,
    fast: (r, end, s) => fastSpan(r, end, b, s),
    model(r, end, s) {
      const span = decodeSpan(r, end);
      if (r.pos !== end) throw new SyntaxError("overrun");
      policy.span(span);
      return appendSpan(b, s, span, out);
    },
  });
}

// ---- logs ----

function allZero(buf: Uint8Array, at: number): boolean {
  for (let i = 0; i < 8; i++) if (buf[at + i] !== 0) return false;
  return true;
}

/**
 * Scans one log record and writes its row; throws {@linkcode SLOW} (before writing anything)
 * for records the model path must map: error-level ones (`error.fingerprint`), ids of a length
 * the mapper rejects, non-ASCII strings, structured bodies and attribute values.
 */
function fastLog(r: PbReader, end: number, b: LogsBlock, s: LogScope): void {
  const buf = r.buf;
  scratch.size = 0;
  let time = -1, observed = -1, severityNumber = 0, severityText = -1, severityTextEnd = -1;
  let bodyKind = NONE, bodyStart = 0, bodyEnd = 0, bodyNumber = 0, flags = 0;
  let traceId = -1, traceIdEnd = -1, spanId = -1, spanIdEnd = -1, eventName = -1, eventNameEnd = -1;
  let attributes = 0;
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag) {
      case 9:
        time = r.pos;
        r.fixed64Small();
        break;
      case 16:
        severityNumber = r.int32();
        break;
      case 26:
        severityTextEnd = stringField(r);
        severityText = r.pos;
        r.pos = severityTextEnd;
        break;
      case 42:
        scanValue(r);
        bodyKind = valueKind;
        bodyStart = valueFrom;
        bodyEnd = valueTo;
        bodyNumber = valueNumber;
        break;
      case 50:
        if (++attributes > countLimit) throw SLOW;
        scanAttribute(r, -1);
        break;
      case 69:
        flags = r.fixed32();
        break;
      case 74:
        traceIdEnd = r.end();
        traceId = r.pos;
        r.pos = traceIdEnd;
        break;
      case 82:
        spanIdEnd = r.end();
        spanId = r.pos;
        r.pos = spanIdEnd;
        break;
      case 89:
        observed = r.pos;
        r.fixed64Small();
        break;
      case 98:
        eventNameEnd = stringField(r);
        eventName = r.pos;
        r.pos = eventNameEnd;
        break;
      default:
        r.skip(tag & 7);
    }
  }
  if (r.pos !== end) throw SLOW;
  if (redacting && bodyKind === STRING && mayRedactValue(buf, bodyStart, bodyEnd)) throw SLOW;
  // Error-level records get error.fingerprint: severity ≥ 17, or 0 with a severity text.
  if (severityNumber >= 17 || (severityNumber === 0 && severityTextEnd > severityText)) throw SLOW;
  const traceLength = traceId < 0 ? 0 : traceIdEnd - traceId;
  const spanLength = spanId < 0 ? 0 : spanIdEnd - spanId;
  if (traceLength !== 0 && traceLength !== 16) throw SLOW;
  if (spanLength !== 0 && spanLength !== 8) throw SLOW;

  const stamp = time >= 0 && !allZero(buf, time) ? time : observed;
  if (stamp < 0) b.timestamp.zero();
  else b.timestamp.le64(buf, stamp);
  id(b.traceId, buf, traceId, traceIdEnd);
  id(b.spanId, buf, spanId, spanIdEnd);
  b.traceFlags.value(flags);
  text(b.severityText, buf, severityText, severityTextEnd);
  b.severityNumber.value(severityNumber);
  writeValue(r, b.body, bodyKind, bodyStart, bodyEnd, bodyNumber);
  appendLogScope(b, s);
  writeAttributes(r, b.logAttributes, -1);
  text(b.eventName, buf, eventName, eventNameEnd);
  b.endRow();
}

/** The scope's attributes through the record policy, as the model path limits them. */
function limitedLogScope(resource: ResourceRows, scope: Scope, scopeUrl: string): LogScope {
  limitScope(scope, policy.limits, policy.counts);
  return logScope(resource, scope, scopeUrl);
}

/**
 * Decodes an `ExportLogsServiceRequest` straight into an `otel_logs` block: the rows
 * {@linkcode mapLogsInto} would append for `decodeLogsProto(body)`. Same contract as
 * {@linkcode decodeTracesProtoInto}.
 *
 * @example
 * ```ts
 * import { NativeBlockBuilder } from "../sql/native/mod.ts";
 * import { LOGS_COLUMNS, LogsBlock } from "../sql/tables/otel_logs.ts";
 * import { decodeLogsProtoInto } from "./protobuf_columns.ts";
 * const block = new LogsBlock(new NativeBlockBuilder(LOGS_COLUMNS));
 * console.assert(decodeLogsProtoInto(new Uint8Array(0), block, { rejected: 0, errors: [] }) === 0);
 * ```
 */
export function decodeLogsProtoInto(
  body: Uint8Array,
  b: LogsBlock,
  out: Rejections,
  recordPolicy: RecordPolicy = DEFAULT_POLICY,
): number {
  usePolicy(recordPolicy, "log");
  return walkRequest<LogScope>(body, {
    scope: limitedLogScope,
    fast: (r, end, s) => fastLog(r, end, b, s),
    model(r, end, s) {
      const log = decodeLogRecord(r, end);
      if (r.pos !== end) throw new SyntaxError("overrun");
      policy.log(log);
      return appendLog(b, s, log, out);
    },
  });
}
