/**
 * What ingest does to a decoded record before it is mapped to a row, in this order:
 * `error.fingerprint` on error records (from the data as sent, as the collector's
 * `errorfingerprint` runs before `transform/redact`); redaction when on (`redaction.ts`), on the
 * whole values, so a secret is never cut into a shape the rules no longer recognise; attribute
 * limits (`limits.ts`), which never drop the fingerprint (it is added back after them). One
 * instance per {@linkcode OtlpIngest}; every ingest path calls it: the model path per request,
 * the protobuf fast path per resource and per record it cannot take (error records always go
 * the model path).
 *
 * @module
 */
import {
  type IngestLimits,
  limitAttributes,
  type LimitCounts,
  limitLog,
  limitScope,
  limitSpan,
  NO_LIMITS,
} from "./limits.ts";
import { logAttributes } from "./map_logs.ts";
import { spanAttributes } from "./map_traces.ts";
import type {
  KeyValue,
  LogRecord,
  LogsRequest,
  MetricsRequest,
  Span,
  TracesRequest,
} from "./model.ts";
import { redactAttributes, redactText } from "./redaction.ts";

/** Options of a {@linkcode RecordPolicy}. */
export interface RecordPolicyOptions {
  /** Attribute limits; none by default. */
  limits?: IngestLimits;
  /** Redact secrets; off by default. */
  redact?: boolean;
}

/**
 * Limits and redaction for decoded records.
 *
 * @example
 * ```ts
 * import { RecordPolicy } from "./record_policy.ts";
 * const policy = new RecordPolicy({ redact: true });
 * const out = policy.resource([["url.full", "https://u:pw@h/"]]);
 * console.assert(out[0][1] === "https://u:[REDACTED]@h/");
 * ```
 */
export class RecordPolicy {
  readonly limits: IngestLimits;
  readonly redacts: boolean;
  /** Attributes dropped and values truncated so far. */
  readonly counts: LimitCounts = { dropped: 0, truncated: 0 };

  constructor(options: RecordPolicyOptions = {}) {
    this.limits = options.limits ?? NO_LIMITS;
    this.redacts = options.redact ?? false;
  }

  /** Resource attributes redacted, within the limits. */
  resource(attributes: KeyValue[]): KeyValue[] {
    const redacted = this.redacts ? redactAttributes(attributes) : attributes;
    return limitAttributes(redacted, this.limits.other, 0, this.counts);
  }

  /** Applies the policy to a span, in place. */
  span(span: Span): void {
    const fingerprint = added(span.attributes, spanAttributes(span));
    if (this.redacts) {
      span.attributes = redactAttributes(span.attributes, true);
      span.statusMessage = redactText(span.statusMessage);
      for (const e of span.events) e.attributes = redactAttributes(e.attributes);
    }
    limitSpan(span, this.limits, this.counts);
    if (fingerprint) span.attributes = [...span.attributes, fingerprint];
  }

  /** Applies the policy to a log record, in place. */
  log(log: LogRecord): void {
    const fingerprint = added(log.attributes, logAttributes(log));
    if (this.redacts) {
      log.attributes = redactAttributes(log.attributes, true);
      if (typeof log.body === "string") log.body = redactText(log.body);
    }
    limitLog(log, this.limits, this.counts);
    if (fingerprint) log.attributes = [...log.attributes, fingerprint];
  }

  /** Applies the policy to every span of a request, in place. */
  traces(request: TracesRequest): void {
    for (const group of request) {
      group.resource.attributes = this.resource(group.resource.attributes);
      for (const { scope, items } of group.scopes) {
        limitScope(scope, this.limits, this.counts);
        for (const span of items) this.span(span);
      }
    }
  }

  /** Applies the policy to every log record of a request, in place. */
  logs(request: LogsRequest): void {
    for (const group of request) {
      group.resource.attributes = this.resource(group.resource.attributes);
      for (const { scope, items } of group.scopes) {
        limitScope(scope, this.limits, this.counts);
        for (const log of items) this.log(log);
      }
    }
  }

  /** Applies the policy to every data point of a request, in place. */
  metrics(request: MetricsRequest): void {
    const other = this.limits.other;
    for (const group of request) {
      group.resource.attributes = this.resource(group.resource.attributes);
      for (const { scope, items } of group.scopes) {
        limitScope(scope, this.limits, this.counts, true);
        for (const metric of items) {
          if (metric.data.type === "empty") continue;
          for (const point of metric.data.points) {
            const redacted = this.redacts ? redactAttributes(point.attributes) : point.attributes;
            point.attributes = limitAttributes(redacted, other, 0, this.counts);
          }
        }
      }
    }
  }
}

/** The attribute `withFingerprint` appended to `before`, if it did. */
function added(before: KeyValue[], after: KeyValue[]): KeyValue | undefined {
  return after === before ? undefined : after[after.length - 1];
}
