/**
 * Decodes OTLP/HTTP protobuf `ExportTraceServiceRequest` bodies into the model of `model.ts`.
 *
 * @module
 */
import { attribute, decodeRequest, message, overrun } from "./pb_common.ts";
import { type Span, type SpanEvent, type SpanLink, type TracesRequest } from "./model.ts";
import { PbReader } from "./pb_reader.ts";

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
 * import { decodeTracesProto } from "./pb_traces.ts";
 * console.assert(decodeTracesProto(new Uint8Array(0)).length === 0);
 * ```
 */
export function decodeTracesProto(body: Uint8Array): TracesRequest {
  return decodeRequest(body, span);
}
