/**
 * A batching span processor that encodes each span to OTLP/protobuf when it ends, so the span
 * object can be collected at once, and sends the encoded batches through the OTLP exporter.
 *
 * It keeps the batching contract of the SDK's `BatchSpanProcessor` (queue of at most
 * `maxQueueSize` spans, batches of `maxExportBatchSize`, a batch sent at once when full or
 * `scheduledDelayMillis` after its first span, one export at a time, a timeout per export,
 * dropped spans counted in one warning, tracing suppressed while exporting). What changes is
 * what waits in the queue: ~300 bytes of protobuf per span instead of the span itself (~1.2 KB
 * of objects that every young-generation collection copied while it waited).
 *
 * @module
 */
import { context, diag, TraceFlags } from "@opentelemetry/api";
import { ExportResultCode, globalErrorHandler, suppressTracing } from "@opentelemetry/core";
import type { ReadableSpan, SpanExporter, SpanProcessor } from "@opentelemetry/sdk-trace";
import { EncodedSpans } from "./otlp_proto.ts";

/** Batching options, with the `BatchSpanProcessor` defaults. */
export interface EncodingSpanProcessorOptions {
  /** An OTLP exporter swapped by `useFastTraceSerializer` (it accepts {@linkcode EncodedSpans}). */
  exporter: SpanExporter;
  maxQueueSize?: number;
  maxExportBatchSize?: number;
  scheduledDelayMillis?: number;
  exportTimeoutMillis?: number;
}

/**
 * Encodes spans as they end and exports them in batches.
 *
 * @example
 * ```ts
 * import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
 * import { EncodingSpanProcessor } from "./encoding_span_processor.ts";
 * import { useFastTraceSerializer } from "./otlp_proto.ts";
 * const exporter = new OTLPTraceExporter({ url: "http://127.0.0.1:4318/v1/traces" });
 * useFastTraceSerializer(exporter);
 * const processor = new EncodingSpanProcessor({ exporter, scheduledDelayMillis: 1000 });
 * await processor.shutdown();
 * ```
 */
export class EncodingSpanProcessor implements SpanProcessor {
  #exporter: SpanExporter;
  #maxQueueSize: number;
  #maxBatch: number;
  #delay: number;
  #timeout: number;
  /** The batch spans are added to. */
  #open: EncodedSpans | undefined;
  /** Full batches waiting for their export, oldest first. */
  #full: EncodedSpans[] = [];
  /** Spans in `#open` and `#full`. */
  #queued = 0;
  /** The scheduled export, one at a time. */
  #inflight: Promise<void> | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #dropped = 0;
  /** First-batch buffer size: the size the previous batch reached. */
  #sizeHint = 16 * 1024;
  #shutdown: Promise<void> | undefined;

  constructor(options: EncodingSpanProcessorOptions) {
    this.#exporter = options.exporter;
    this.#maxQueueSize = options.maxQueueSize ?? 2048;
    this.#maxBatch = Math.min(options.maxExportBatchSize ?? 512, this.#maxQueueSize);
    this.#delay = options.scheduledDelayMillis ?? 5000;
    this.#timeout = options.exportTimeoutMillis ?? 30000;
  }

  onStart(): void {}

  onEnd(span: ReadableSpan): void {
    if (this.#shutdown) return;
    if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
    if (this.#queued >= this.#maxQueueSize) {
      if (this.#dropped++ === 0) diag.debug("maxQueueSize reached, dropping spans");
      return;
    }
    if (this.#dropped > 0) {
      diag.warn(`Dropped ${this.#dropped} spans because maxQueueSize reached`);
      this.#dropped = 0;
    }
    const batch = this.#open ??= new EncodedSpans(this.#sizeHint);
    try {
      batch.add(span);
    } catch (error) {
      // Never throw into `span.end()`: the span is lost, the app and the batch are not.
      globalErrorHandler(error as Error);
      return;
    }
    this.#queued++;
    if (batch.length >= this.#maxBatch) {
      this.#full.push(batch);
      this.#open = undefined;
    }
    this.#schedule();
  }

  /** Exports everything queued (and waits for the export in flight). */
  forceFlush(): Promise<void> {
    return this.#shutdown ?? this.#flushAll();
  }

  /** Exports everything queued, then shuts the exporter down; once. */
  shutdown(): Promise<void> {
    this.#shutdown ??= this.#flushAll().then(() => this.#exporter.shutdown());
    return this.#shutdown;
  }

  /** Sends a full batch now, or starts the delay timer for a partial one. */
  #schedule(): void {
    if (this.#inflight) return;
    if (this.#full.length > 0) {
      this.#clearTimer();
      this.#exportNext();
      return;
    }
    if (this.#timer !== undefined || !this.#open) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#exportNext();
    }, this.#delay);
    // Node's timers keep the process alive unless told otherwise; Deno's answer a number.
    (this.#timer as { unref?: () => void }).unref?.();
  }

  #exportNext(): void {
    const batch = this.#take();
    if (!batch) return;
    const inflight = this.#send(batch).catch((error) => globalErrorHandler(error)).finally(
      () => {
        if (this.#inflight === inflight) this.#inflight = undefined;
        if (!this.#shutdown) this.#schedule();
      },
    );
    this.#inflight = inflight;
  }

  /** The oldest queued batch, taken out of the queue. */
  #take(): EncodedSpans | undefined {
    let batch = this.#full.shift();
    if (!batch) {
      batch = this.#open;
      this.#open = undefined;
    }
    if (batch) {
      this.#queued -= batch.length;
      this.#sizeHint = Math.max(1024, Math.min(4 * 1024 * 1024, batch.byteLength + 1024));
    }
    return batch;
  }

  #flushAll(): Promise<void> {
    this.#clearTimer();
    const sends: Promise<void>[] = [];
    if (this.#inflight) sends.push(this.#inflight);
    for (let batch = this.#take(); batch; batch = this.#take()) sends.push(this.#send(batch));
    return Promise.all(sends).then(() => {});
  }

  #send(batch: EncodedSpans): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("Timeout")), this.#timeout);
      const done = (error?: Error) => {
        clearTimeout(timer);
        if (error) reject(error);
        else resolve();
      };
      const exportNow = () => {
        // The export's own HTTP request must not be traced (as in BatchSpanProcessor).
        context.with(suppressTracing(context.active()), () => {
          this.#exporter.export(batch as unknown as ReadableSpan[], (result) => {
            if (result.code === ExportResultCode.SUCCESS) done();
            else done(result.error ?? new Error("span export failed"));
          });
        });
        // The exporter encodes the request before `export()` returns: the buffer is free.
        batch.release();
      };
      const pending = batch.resources().filter((r) => r.asyncAttributesPending);
      if (pending.length === 0) exportNow();
      else {
        Promise.all(pending.map((r) => r.waitForAsyncAttributes?.())).then(exportNow, done);
      }
    });
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }
}
