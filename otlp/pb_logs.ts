/**
 * Decodes OTLP/HTTP protobuf `ExportLogsServiceRequest` bodies into the model of `model.ts`.
 *
 * @module
 */
import { anyValueField, attribute, decodeRequest } from "./pb_common.ts";
import { type LogRecord, type LogsRequest } from "./model.ts";
import { PbReader } from "./pb_reader.ts";

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
