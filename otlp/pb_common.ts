/**
 * The OTLP protobuf decoder's shared parts: values, attributes, scopes,
 * resources and the request envelope every signal has.
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
  type KeyValue,
  KvList,
  type ResourceGroup,
  type Scope,
  type ScopeGroup,
} from "./model.ts";
import { PbReader } from "./pb_reader.ts";

/** Deepest nesting of array/kvlist values accepted. */
const MAX_VALUE_DEPTH = 32;

/** Decodes one message from `r` up to `end`. */
export type Decode<T> = (r: PbReader, end: number) => T;

/** Decodes the `AnyValue` sub-message that starts at the reader's position. */
export function anyValueField(r: PbReader, depth: number): AnyValue {
  const end = r.end();
  const value = anyValue(r, end, depth);
  if (r.pos !== end) throw overrun();
  return value;
}

/** The error for a field that runs past its message's end. */
export function overrun(): SyntaxError {
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
export function attribute(r: PbReader, into: KeyValue[]): void {
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

/** Decodes a request envelope: resource groups, each with its scope groups of `item`s. */
export function decodeRequest<T>(body: Uint8Array, item: Decode<T>): ResourceGroup<T>[] {
  const r = new PbReader(body);
  const groups: ResourceGroup<T>[] = [];
  eachField(r, body.length, 10, (end) => {
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
  });
  return groups;
}

/**
 * Calls `each(end)` for every length-delimited field `tag` of a message up to `limit`, with the
 * reader at the field's first byte and `end` its end; other fields are skipped. The envelope walk
 * of every request (resources, then their scopes) in both decoders.
 */
export function eachField(
  r: PbReader,
  limit: number,
  tag: number,
  each: (end: number) => void,
): void {
  while (r.pos < limit) {
    const t = r.tag();
    if (t !== tag) {
      r.skip(t & 7);
      continue;
    }
    each(r.end());
  }
}
