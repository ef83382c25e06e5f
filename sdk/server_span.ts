/**
 * The SDK's own SERVER span for the request path: the OpenTelemetry API's `Span` and the SDK's
 * `ReadableSpan` in one small class, handed straight to the `EncodingSpanProcessor` when
 * it ends.
 *
 * The official `SpanImpl` costs about a microsecond per request before any encoding: `startSpan`
 * sanitises and copies the options, asks two clocks twice, registers with a processor chain,
 * and `end()` walks the processors again. A server span has one parent, fixed attributes and
 * one processor, so this span does only what the official one would do with it: the same
 * sampling decision, ids, timing, attribute, event, link and status rules (including the span
 * limits), and the same fields for the encoder, whose bytes are therefore the official
 * serializer's. Everything else (user spans, child spans, another processor set-up) stays on the
 * official SDK.
 *
 * @module
 */
import {
  type Attributes,
  type AttributeValue,
  type Context,
  diag,
  type Exception,
  type HrTime,
  INVALID_SPAN_CONTEXT,
  type Link,
  SamplingDecision,
  type Span,
  type SpanContext,
  SpanKind,
  type SpanStatus,
  SpanStatusCode,
  type TimeInput,
  trace,
  TraceFlags,
  type Tracer,
} from "@opentelemetry/api";
import {
  addHrTimes,
  hrTime,
  hrTimeDuration,
  isAttributeValue,
  isTimeInput,
  isTimeInputHrTime,
  isTracingSuppressed,
  millisToHrTime,
  sanitizeAttributes,
} from "@opentelemetry/core";
import type {
  IdGenerator,
  ReadableSpan,
  Sampler,
  SpanLimits,
  SpanProcessor,
  TimedEvent,
} from "@opentelemetry/sdk-trace";

type Scope = ReadableSpan["instrumentationScope"];
type Resource = ReadableSpan["resource"];

const UNSET: SpanStatus = Object.freeze({ code: SpanStatusCode.UNSET });
const NO_LINKS: Link[] = Object.freeze([]) as unknown as Link[];
const NO_EVENTS: TimedEvent[] = Object.freeze([]) as unknown as TimedEvent[];

/** The parts of the SDK's `Tracer` (sdk-trace 2.x) read here. */
interface SdkTracerFields {
  _resource: Resource;
  instrumentationScope: Scope;
  _spanLimits: SpanLimits;
}

/** What every server span of one running SDK shares. */
export interface ServerSpanSetup {
  /**
   * Where ended spans go: only its `onEnd` is called, so a processor with work in `onStart`
   * does not belong here (the SDK passes its `EncodingSpanProcessor`).
   */
  processor: SpanProcessor;
  sampler: Sampler;
  ids: IdGenerator;
  resource: Resource;
  /** The SDK tracer's scope object (the encoder groups spans by its identity). */
  scope: Scope;
  /** The provider's span limits, all set (as `TracerProvider` fills them in). */
  limits: Required<SpanLimits>;
}

/**
 * Starts SERVER spans of the SDK's own class, for a provider whose only span processor is the
 * SDK's `EncodingSpanProcessor`.
 *
 * @example
 * ```ts
 * import { ROOT_CONTEXT } from "@opentelemetry/api";
 * import { resourceFromAttributes } from "@opentelemetry/resources";
 * import { AlwaysOnSampler } from "@opentelemetry/sdk-trace";
 * import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
 * import { EncodingSpanProcessor } from "./encoding_span_processor.ts";
 * import { HexIdGenerator } from "./id_generator.ts";
 * import { ServerSpans } from "./server_span.ts";
 * const exporter = new OTLPTraceExporter({ url: "http://127.0.0.1:4318/v1/traces" });
 * const processor = new EncodingSpanProcessor({ exporter });
 * const spans = new ServerSpans({
 *   processor,
 *   sampler: new AlwaysOnSampler(),
 *   ids: new HexIdGenerator(),
 *   resource: resourceFromAttributes({}),
 *   scope: { name: "example" },
 *   limits: ServerSpans.DEFAULT_LIMITS,
 * });
 * const span = spans.start("GET", ROOT_CONTEXT, { "http.request.method": "GET" });
 * span.end();
 * await processor.shutdown();
 * ```
 */
export class ServerSpans {
  /** `TracerProvider`'s defaults. */
  static readonly DEFAULT_LIMITS: Required<SpanLimits> = Object.freeze({
    attributeValueLengthLimit: Infinity,
    attributeCountLimit: 128,
    linkCountLimit: 128,
    eventCountLimit: 128,
    attributePerEventCountLimit: 128,
    attributePerLinkCountLimit: 128,
  });

  readonly #setup: ServerSpanSetup;

  /**
   * Server spans matching what `tracer` (the SDK's `Tracer`, sdk-trace 2.x) starts: its resource,
   * scope and span limits; `undefined` when its internals are not the expected ones.
   */
  static forTracer(
    tracer: Tracer,
    processor: SpanProcessor,
    sampler: Sampler,
    ids: IdGenerator,
  ): ServerSpans | undefined {
    const t = tracer as Partial<SdkTracerFields>;
    const limits = t._spanLimits;
    if (!t._resource || !t.instrumentationScope || !limits) return undefined;
    for (const key of Object.keys(ServerSpans.DEFAULT_LIMITS) as (keyof SpanLimits)[]) {
      if (typeof limits[key] !== "number") return undefined;
    }
    return new ServerSpans({
      processor,
      sampler,
      ids,
      resource: t._resource,
      scope: t.instrumentationScope,
      limits: limits as Required<SpanLimits>,
    });
  }

  constructor(setup: ServerSpanSetup) {
    this.#setup = setup;
  }

  /**
   * A SERVER span named `name`, a child of the span in `parent` (if any), with `attributes` (a
   * fresh object of valid values, adopted as is): what the SDK tracer's `startSpan` would
   * answer, the sampler consulted the same way.
   */
  start(name: string, parent: Context, attributes: Attributes): Span {
    if (isTracingSuppressed(parent)) return trace.wrapSpanContext(INVALID_SPAN_CONTEXT);
    const setup = this.#setup;
    const parentContext = trace.getSpan(parent)?.spanContext();
    const spanId = setup.ids.generateSpanId();
    let traceId: string;
    let traceState;
    let validParent: SpanContext | undefined;
    if (parentContext && trace.isSpanContextValid(parentContext)) {
      traceId = parentContext.traceId;
      traceState = parentContext.traceState;
      validParent = parentContext;
    } else traceId = setup.ids.generateTraceId();
    const sampling = setup.sampler.shouldSample(
      parent,
      traceId,
      name,
      SpanKind.SERVER,
      attributes,
      NO_LINKS,
    );
    traceState = sampling.traceState ?? traceState;
    const traceFlags = sampling.decision === SamplingDecision.RECORD_AND_SAMPLED
      ? TraceFlags.SAMPLED
      : TraceFlags.NONE;
    const spanContext: SpanContext = { traceId, spanId, traceFlags, traceState };
    if (sampling.decision === SamplingDecision.NOT_RECORD) {
      return trace.wrapSpanContext(spanContext);
    }
    const span = new ServerSpan(setup, name, spanContext, validParent, attributes);
    if (sampling.attributes) span.setAttributes(sampling.attributes);
    return span;
  }
}

/** A recording SERVER span; see the module documentation. */
export class ServerSpan implements Span, ReadableSpan {
  readonly kind: SpanKind = SpanKind.SERVER;
  name: string;
  readonly parentSpanContext: SpanContext | undefined;
  attributes: Attributes;
  links: Link[] = NO_LINKS;
  events: TimedEvent[] = NO_EVENTS;
  status: SpanStatus = UNSET;
  readonly resource: Resource;
  readonly instrumentationScope: Scope;
  droppedAttributesCount = 0;
  droppedEventsCount = 0;
  droppedLinksCount = 0;
  readonly startTime: HrTime;
  endTime: HrTime = [0, 0];
  #spanContext: SpanContext;
  #setup: ServerSpanSetup;
  #attributesCount: number;
  /** `performance.now()` and `Date.now()` at the start. */
  #perfStart: number;
  #wallStart: number;
  /** Milliseconds from start to end (`performance.now()`), once ended without an end time. */
  #elapsed = NaN;
  #ended = false;
  #duration: HrTime | undefined;

  constructor(
    setup: ServerSpanSetup,
    name: string,
    spanContext: SpanContext,
    parent: SpanContext | undefined,
    attributes: Attributes,
  ) {
    // The official span's clocks: the wall clock at the start, `performance.now()` for the rest.
    const now = Date.now();
    this.#perfStart = performance.now();
    this.#wallStart = now;
    this.startTime = millisToHrTime(now);
    this.#setup = setup;
    this.name = name;
    this.#spanContext = spanContext;
    this.parentSpanContext = parent;
    this.resource = setup.resource;
    this.instrumentationScope = setup.scope;
    let count = 0;
    for (const _ in attributes) count++;
    if (count <= setup.limits.attributeCountLimit) {
      this.attributes = attributes;
      this.#attributesCount = count;
    } else {
      this.attributes = {};
      this.#attributesCount = 0;
      this.setAttributes(attributes);
    }
  }

  spanContext(): SpanContext {
    return this.#spanContext;
  }

  get ended(): boolean {
    return this.#ended;
  }

  get duration(): HrTime {
    // Made on first ask (the encoder never asks): end minus start, as the official span keeps it.
    if (!this.#ended) return [-1, -1];
    return this.#duration ??= hrTimeDuration(this.startTime, this.endTime);
  }

  /** Seconds from start to end as `performance.now()` measured them (NaN before the end). */
  get seconds(): number {
    if (!Number.isNaN(this.#elapsed)) return this.#elapsed / 1000;
    if (!this.#ended) return NaN;
    const [s, ns] = this.duration;
    return s + ns / 1e9;
  }

  isRecording(): boolean {
    return !this.#ended;
  }

  setAttribute(key: string, value?: AttributeValue): this {
    if (value == null || this.#isEnded()) return this;
    if (key.length === 0) {
      diag.warn(`Invalid attribute key: ${key}`);
      return this;
    }
    if (!isAttributeValue(value)) {
      diag.warn(`Invalid attribute value set for key: ${key}`);
      return this;
    }
    const isNew = !Object.prototype.hasOwnProperty.call(this.attributes, key);
    if (isNew && this.#attributesCount >= this.#setup.limits.attributeCountLimit) {
      this.droppedAttributesCount++;
      return this;
    }
    this.attributes[key] = this.#truncate(value);
    if (isNew) this.#attributesCount++;
    return this;
  }

  setAttributes(attributes: Attributes): this {
    for (const key in attributes) {
      if (Object.prototype.hasOwnProperty.call(attributes, key)) {
        this.setAttribute(key, attributes[key]);
      }
    }
    return this;
  }

  addEvent(
    name: string,
    attributesOrStartTime?: Attributes | TimeInput,
    startTime?: TimeInput,
  ): this {
    if (this.#isEnded()) return this;
    const limits = this.#setup.limits;
    if (limits.eventCountLimit === 0) {
      diag.warn("No events allowed.");
      this.droppedEventsCount++;
      return this;
    }
    if (this.events === NO_EVENTS) this.events = [];
    if (this.events.length >= limits.eventCountLimit) {
      if (this.droppedEventsCount === 0) diag.debug("Dropping extra events.");
      this.events.shift();
      this.droppedEventsCount++;
    }
    if (isTimeInput(attributesOrStartTime)) {
      if (!isTimeInput(startTime)) startTime = attributesOrStartTime;
      attributesOrStartTime = undefined;
    }
    const { attributes, dropped } = this.#limited(
      sanitizeAttributes(attributesOrStartTime),
      limits.attributePerEventCountLimit,
    );
    this.events.push({
      name,
      attributes,
      time: this.#time(startTime),
      droppedAttributesCount: dropped,
    });
    return this;
  }

  addLink(link: Link): this {
    if (this.#isEnded()) return this;
    const limits = this.#setup.limits;
    if (limits.linkCountLimit === 0) {
      this.droppedLinksCount++;
      return this;
    }
    if (this.links === NO_LINKS) this.links = [];
    if (this.links.length >= limits.linkCountLimit) {
      if (this.droppedLinksCount === 0) diag.debug("Dropping extra links.");
      this.links.shift();
      this.droppedLinksCount++;
    }
    const { attributes, dropped, count } = this.#limited(
      sanitizeAttributes(link.attributes),
      limits.attributePerLinkCountLimit,
    );
    const kept: Link = { context: link.context };
    if (count > 0) kept.attributes = attributes;
    if (dropped > 0) kept.droppedAttributesCount = dropped;
    this.links.push(kept);
    return this;
  }

  addLinks(links: Link[]): this {
    for (const link of links) this.addLink(link);
    return this;
  }

  setStatus(status: SpanStatus): this {
    if (this.#isEnded()) return this;
    if (status.code === SpanStatusCode.UNSET || this.status.code === SpanStatusCode.OK) {
      return this;
    }
    const next: SpanStatus = { code: status.code };
    if (status.code === SpanStatusCode.ERROR) {
      if (typeof status.message === "string") next.message = status.message;
      else if (status.message != null) {
        diag.warn(
          `Dropping invalid status.message of type '${typeof status
            .message}', expected 'string'`,
        );
      }
    }
    this.status = next;
    return this;
  }

  updateName(name: string): this {
    if (!this.#isEnded()) this.name = name;
    return this;
  }

  recordException(exception: Exception, time?: TimeInput): void {
    const attributes: Attributes = {};
    if (typeof exception === "string") attributes["exception.message"] = exception;
    else if (exception) {
      if (exception.code) attributes["exception.type"] = exception.code.toString();
      else if (exception.name) attributes["exception.type"] = exception.name;
      if (exception.message) attributes["exception.message"] = exception.message;
      if (exception.stack) attributes["exception.stacktrace"] = exception.stack;
    }
    if (attributes["exception.type"] || attributes["exception.message"]) {
      this.addEvent("exception", attributes, time);
    } else diag.warn(`Failed to record an exception ${exception}`);
  }

  end(endTime?: TimeInput): void {
    if (this.#ended) {
      const { traceId, spanId } = this.#spanContext;
      diag.error(`${this.name} ${traceId}-${spanId} - You can only call end() on a span once.`);
      return;
    }
    if (endTime === undefined) {
      // `performance.now()` never runs backwards; the duration is made on first ask.
      this.#elapsed = performance.now() - this.#perfStart;
      this.endTime = addHrTimes(this.startTime, millisToHrTime(this.#elapsed));
    } else {
      this.endTime = this.#time(endTime);
      this.#duration = hrTimeDuration(this.startTime, this.endTime);
      if (this.#duration[0] < 0) {
        diag.warn(
          "Inconsistent start and end time, startTime > endTime. Setting span duration to 0ms.",
          this.startTime,
          this.endTime,
        );
        this.endTime = this.startTime.slice() as HrTime;
        this.#duration = [0, 0];
      }
    }
    if (this.droppedEventsCount > 0) {
      diag.warn(`Dropped ${this.droppedEventsCount} events because eventCountLimit reached`);
    }
    if (this.droppedLinksCount > 0) {
      diag.warn(`Dropped ${this.droppedLinksCount} links because linkCountLimit reached`);
    }
    this.#ended = true;
    this.#setup.processor.onEnd(this);
  }

  #isEnded(): boolean {
    if (this.#ended) {
      const { traceId, spanId } = this.#spanContext;
      diag.warn(
        `Cannot execute the operation on ended Span {traceId: ${traceId}, spanId: ${spanId}}`,
        new Error(`Operation attempted on ended Span {traceId: ${traceId}, spanId: ${spanId}}`),
      );
    }
    return this.#ended;
  }

  /** The official span's `_getTime`: a `performance.now()` value, epoch millis, Date or HrTime. */
  #time(input: TimeInput | undefined): HrTime {
    if (typeof input === "number" && input <= performance.now()) {
      // The offset that turns `performance.now()` into the wall clock, as of the start.
      return hrTime(input + this.#wallStart - (this.#perfStart + performance.timeOrigin));
    }
    if (typeof input === "number") return millisToHrTime(input);
    if (input instanceof Date) return millisToHrTime(input.getTime());
    if (isTimeInputHrTime(input)) return input as HrTime;
    return addHrTimes(this.startTime, millisToHrTime(performance.now() - this.#perfStart));
  }

  #truncate(value: AttributeValue): AttributeValue {
    const limit = this.#setup.limits.attributeValueLengthLimit;
    if (limit <= 0) {
      diag.warn(`Attribute value limit must be positive, got ${limit}`);
      return value;
    }
    if (typeof value === "string") return value.length <= limit ? value : value.slice(0, limit);
    if (Array.isArray(value)) {
      return value.map((v) =>
        typeof v === "string" && v.length > limit ? v.slice(0, limit) : v
      ) as AttributeValue;
    }
    return value;
  }

  /** At most `limit` of `attributes`, values truncated, with how many were dropped. */
  #limited(
    attributes: Attributes,
    limit: number,
  ): { attributes: Attributes; dropped: number; count: number } {
    const kept: Attributes = {};
    let dropped = 0;
    let count = 0;
    for (const key in attributes) {
      if (!Object.prototype.hasOwnProperty.call(attributes, key)) continue;
      if (count >= limit) {
        dropped++;
        continue;
      }
      kept[key] = this.#truncate(attributes[key] as AttributeValue);
      count++;
    }
    return { attributes: kept, dropped, count };
  }
}
