/**
 * Attribute limits on ingest, with the OpenTelemetry SDK semantics (`OTEL_ATTRIBUTE_COUNT_LIMIT`,
 * `OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT` and the span/log variants): attributes past the count
 * limit are dropped (the first ones in received order are kept), string values longer than the
 * length limit are truncated to that many characters (Unicode code points, never splitting a
 * surrogate pair), and so are the strings inside array and kvlist values and byte values (bytes
 * counted). Span events and links past their count limits are dropped too.
 *
 * The exporter's tables have no dropped-count columns for spans, events, links and log records,
 * so a count is written where the OpenTelemetry "mapping to non-OTLP formats" puts it: the
 * attribute `otel.dropped_attributes_count` in the record's own attribute map (and
 * `otel.dropped_events_count` / `otel.dropped_links_count` on the span), holding the sender's
 * count plus ours. It is only written when Tracehouse dropped something, so data within the
 * limits is stored exactly as the collector's exporter stores it. Metric scopes have a real
 * column (`ScopeDroppedAttrCount`), which gets the count instead.
 *
 * @module
 */
import { type AnyValue, type KeyValue, KvList, type Scope, type Span } from "./model.ts";
import type { LogRecord } from "./model.ts";

/** Count and value-length limits for one kind of attribute map. */
export interface AttributeLimits {
  /** Attributes kept per map; the rest are dropped. */
  count: number;
  /** Characters kept per string value (bytes per bytes value). */
  valueLength: number;
}

/** The limits {@linkcode OtlpIngest} applies, per kind of record. */
export interface IngestLimits {
  /** Span attributes, and the attributes of its events and links. */
  span: AttributeLimits;
  /** Log record attributes. */
  log: AttributeLimits;
  /** Resource, scope and metric data point attributes. */
  other: AttributeLimits;
  /** Events kept per span. */
  spanEvents: number;
  /** Links kept per span. */
  spanLinks: number;
}

/** No limit at all (tests, and the library default). */
export const NO_LIMITS: Readonly<IngestLimits> = Object.freeze({
  span: { count: Infinity, valueLength: Infinity },
  log: { count: Infinity, valueLength: Infinity },
  other: { count: Infinity, valueLength: Infinity },
  spanEvents: Infinity,
  spanLinks: Infinity,
});

/** Where a record's dropped-attribute count is written (spec: mapping to non-OTLP formats). */
export const DROPPED_ATTRIBUTES_KEY = "otel.dropped_attributes_count";
/** Where a span's dropped-event count is written. */
export const DROPPED_EVENTS_KEY = "otel.dropped_events_count";
/** Where a span's dropped-link count is written. */
export const DROPPED_LINKS_KEY = "otel.dropped_links_count";

/** What limiting changed, for the self-telemetry counters. */
export interface LimitCounts {
  /** Attributes dropped. */
  dropped: number;
  /** Values truncated. */
  truncated: number;
}

/**
 * `s` cut to `limit` code points (a surrogate pair counts once and is never split).
 *
 * @example
 * ```ts
 * import { truncateString } from "./limits.ts";
 * console.assert(truncateString("héllo", 2) === "hé");
 * console.assert(truncateString("a😀b", 2) === "a😀");
 * ```
 */
export function truncateString(s: string, limit: number): string {
  if (s.length <= limit) return s;
  let units = 0;
  for (let points = 0; points < limit && units < s.length; points++) {
    const c = s.charCodeAt(units);
    const pair = c >= 0xd800 && c <= 0xdbff && units + 1 < s.length &&
      (s.charCodeAt(units + 1) & 0xfc00) === 0xdc00;
    units += pair ? 2 : 1;
  }
  return units < s.length ? s.slice(0, units) : s;
}

/** `v` with every string (and bytes value) cut to `limit`; the same object when nothing is. */
function truncateValue(v: AnyValue, limit: number, counts: LimitCounts): AnyValue {
  if (typeof v === "string") {
    if (v.length <= limit) return v;
    const cut = truncateString(v, limit);
    if (cut !== v) counts.truncated++;
    return cut;
  }
  if (v instanceof Uint8Array) {
    if (v.length <= limit) return v;
    counts.truncated++;
    return v.subarray(0, limit);
  }
  if (Array.isArray(v)) {
    let out: AnyValue[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const t = truncateValue(v[i], limit, counts);
      if (t !== v[i]) (out ??= [...v])[i] = t;
    }
    return out ?? v;
  }
  if (v instanceof KvList) {
    let out: KeyValue[] | undefined;
    for (let i = 0; i < v.entries.length; i++) {
      const [k, x] = v.entries[i];
      const t = truncateValue(x, limit, counts);
      if (t !== x) (out ??= [...v.entries])[i] = [k, t];
    }
    return out ? new KvList(out) : v;
  }
  return v;
}

/**
 * Attributes within `limits`: the first `count` kept, long values truncated, and
 * `otel.dropped_attributes_count` (`received` + dropped here) appended when some were dropped.
 * Returns `attributes` itself when nothing changes.
 *
 * @example
 * ```ts
 * import { limitAttributes } from "./limits.ts";
 * const counts = { dropped: 0, truncated: 0 };
 * const out = limitAttributes([["a", "xyz"], ["b", 1], ["c", 2]], { count: 2, valueLength: 2 }, 0, counts);
 * console.assert(JSON.stringify(out) === '[["a","xy"],["b",1],["otel.dropped_attributes_count",1]]');
 * ```
 */
export function limitAttributes(
  attributes: KeyValue[],
  limits: AttributeLimits,
  received: number,
  counts: LimitCounts,
): KeyValue[] {
  let out: KeyValue[] | undefined;
  const kept = Math.min(attributes.length, limits.count);
  if (limits.valueLength !== Infinity) {
    for (let i = 0; i < kept; i++) {
      const [k, v] = attributes[i];
      const t = truncateValue(v, limits.valueLength, counts);
      if (t !== v) (out ??= attributes.slice(0, kept))[i] = [k, t];
    }
  }
  if (kept === attributes.length) return out ?? attributes;
  const dropped = attributes.length - kept;
  counts.dropped += dropped;
  out ??= attributes.slice(0, kept);
  out.push([DROPPED_ATTRIBUTES_KEY, received + dropped]);
  return out;
}

/** Applies `limits` to a span, its events and links, in place. */
export function limitSpan(span: Span, limits: IngestLimits, counts: LimitCounts): void {
  const a = limits.span;
  span.attributes = limitAttributes(span.attributes, a, span.droppedAttributesCount ?? 0, counts);
  if (span.events.length > limits.spanEvents) {
    const dropped = span.events.length - limits.spanEvents;
    span.events = span.events.slice(0, limits.spanEvents);
    span.attributes = [
      ...span.attributes,
      [DROPPED_EVENTS_KEY, (span.droppedEventsCount ?? 0) + dropped],
    ];
  }
  if (span.links.length > limits.spanLinks) {
    const dropped = span.links.length - limits.spanLinks;
    span.links = span.links.slice(0, limits.spanLinks);
    span.attributes = [
      ...span.attributes,
      [DROPPED_LINKS_KEY, (span.droppedLinksCount ?? 0) + dropped],
    ];
  }
  for (const e of span.events) {
    e.attributes = limitAttributes(e.attributes, a, e.droppedAttributesCount ?? 0, counts);
  }
  for (const l of span.links) {
    l.attributes = limitAttributes(l.attributes, a, l.droppedAttributesCount ?? 0, counts);
  }
}

/** Applies `limits` to a log record's attributes, in place (the body is not an attribute). */
export function limitLog(log: LogRecord, limits: IngestLimits, counts: LimitCounts): void {
  log.attributes = limitAttributes(
    log.attributes,
    limits.log,
    log.droppedAttributesCount ?? 0,
    counts,
  );
}

/**
 * Applies the `other` limits to a scope's attributes, in place. With `column` (metrics, whose
 * tables have `ScopeDroppedAttrCount`) the count goes to `droppedAttributesCount` instead of an
 * attribute.
 */
export function limitScope(
  scope: Scope,
  limits: IngestLimits,
  counts: LimitCounts,
  column = false,
): void {
  if (scope.attributes.length <= limits.other.count && limits.other.valueLength === Infinity) {
    return;
  }
  if (!column) {
    scope.attributes = limitAttributes(
      scope.attributes,
      limits.other,
      scope.droppedAttributesCount,
      counts,
    );
    return;
  }
  const before = counts.dropped;
  const kept = limitAttributes(
    scope.attributes,
    { count: Infinity, valueLength: limits.other.valueLength },
    0,
    counts,
  );
  const dropped = Math.max(0, kept.length - limits.other.count);
  scope.attributes = kept.slice(0, kept.length - dropped);
  scope.droppedAttributesCount += dropped;
  counts.dropped = before + dropped;
}

/** The configuration fields {@linkcode ingestLimits} reads (`config.ts`). */
export interface LimitSettings {
  attributeCountLimit: number;
  attributeValueLengthLimit: number;
  spanAttributeCountLimit: number | null;
  spanAttributeValueLengthLimit: number | null;
  logAttributeCountLimit: number | null;
  logAttributeValueLengthLimit: number | null;
  spanEventCountLimit: number;
  spanLinkCountLimit: number;
}

/**
 * The limits of a configuration: the span and log settings fall back to the general ones, as
 * the SDK environment variables do; resource, scope and metric attributes get the general ones.
 *
 * @example
 * ```ts
 * import { ingestLimits } from "./limits.ts";
 * const limits = ingestLimits({
 *   attributeCountLimit: 512, attributeValueLengthLimit: 65536,
 *   spanAttributeCountLimit: 128, spanAttributeValueLengthLimit: null,
 *   logAttributeCountLimit: null, logAttributeValueLengthLimit: null,
 *   spanEventCountLimit: 1024, spanLinkCountLimit: 1024,
 * });
 * console.assert(limits.span.count === 128 && limits.log.count === 512);
 * ```
 */
export function ingestLimits(settings: LimitSettings): IngestLimits {
  const count = settings.attributeCountLimit;
  const valueLength = settings.attributeValueLengthLimit;
  return {
    span: {
      count: settings.spanAttributeCountLimit ?? count,
      valueLength: settings.spanAttributeValueLengthLimit ?? valueLength,
    },
    log: {
      count: settings.logAttributeCountLimit ?? count,
      valueLength: settings.logAttributeValueLengthLimit ?? valueLength,
    },
    other: { count, valueLength },
    spanEvents: settings.spanEventCountLimit,
    spanLinks: settings.spanLinkCountLimit,
  };
}
