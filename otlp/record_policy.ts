/**
 * What ingest does to a decoded record before it is mapped to a row: attribute limits
 * (`limits.ts`), then, when redaction is on, `error.fingerprint` (so it is computed from the data
 * as sent, as the collector's `errorfingerprint` runs before `transform/redact`) and redaction
 * (`redaction.ts`). One instance per {@linkcode OtlpIngest}; every ingest path calls it: the
 * model path per request, the protobuf fast path per resource and per record it cannot take.
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

  /** Resource attributes within the limits, redacted. */
  resource(attributes: KeyValue[]): KeyValue[] {
    const limited = limitAttributes(attributes, this.limits.other, 0, this.counts);
    return this.redacts ? redactAttributes(limited) : limited;
  }

  /** Applies the policy to a span, in place. */
  span(span: Span): void {
    limitSpan(span, this.limits, this.counts);
    if (!this.redacts) return;
    span.attributes = redactAttributes(spanAttributes(span), true);
    span.statusMessage = redactText(span.statusMessage);
    for (const e of span.events) e.attributes = redactAttributes(e.attributes);
  }

  /** Applies the policy to a log record, in place. */
  log(log: LogRecord): void {
    limitLog(log, this.limits, this.counts);
    if (!this.redacts) return;
    log.attributes = redactAttributes(logAttributes(log), true);
    if (typeof log.body === "string") log.body = redactText(log.body);
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
            const limited = limitAttributes(point.attributes, other, 0, this.counts);
            point.attributes = this.redacts ? redactAttributes(limited) : limited;
          }
        }
      }
    }
  }
}
