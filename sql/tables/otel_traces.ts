/**
 * `otel_traces` (DDL: `sql/migrations/001_traces.sql`): its insertable columns, and the block
 * the span mappers append to, with one typed writer per column.
 *
 * @module
 */
import type { NativeBlockBuilder } from "../native/mod.ts";
import type { ColumnSpec } from "../store.ts";
import { DateTime64Writer, StringMapWriter, StringWriter, UInt64Writer } from "./column_writers.ts";
import { ATTRIBUTES, TableBlock } from "./table_block.ts";

/**
 * Spans (`otel_traces`), in table order, with the types ClickHouse reports for them; the
 * `Nested` columns flattened.
 *
 * @example
 * ```ts
 * import { TRACES_COLUMNS } from "./otel_traces.ts";
 * console.assert(TRACES_COLUMNS[0].name === "Timestamp");
 * ```
 */
export const TRACES_COLUMNS: readonly ColumnSpec[] = Object.freeze([
  { name: "Timestamp", type: "DateTime64(9)" },
  { name: "TraceId", type: "String" },
  { name: "SpanId", type: "String" },
  { name: "ParentSpanId", type: "String" },
  { name: "TraceState", type: "String" },
  { name: "SpanName", type: "LowCardinality(String)" },
  { name: "SpanKind", type: "LowCardinality(String)" },
  { name: "ServiceName", type: "LowCardinality(String)" },
  { name: "ResourceAttributes", type: ATTRIBUTES },
  { name: "ScopeName", type: "String" },
  { name: "ScopeVersion", type: "String" },
  { name: "SpanAttributes", type: ATTRIBUTES },
  { name: "Duration", type: "UInt64" },
  { name: "StatusCode", type: "LowCardinality(String)" },
  { name: "StatusMessage", type: "String" },
  { name: "Events.Timestamp", type: "Array(DateTime64(9))" },
  { name: "Events.Name", type: "Array(LowCardinality(String))" },
  { name: "Events.Attributes", type: `Array(${ATTRIBUTES})` },
  { name: "Links.TraceId", type: "Array(String)" },
  { name: "Links.SpanId", type: "Array(String)" },
  { name: "Links.TraceState", type: "Array(String)" },
  { name: "Links.Attributes", type: `Array(${ATTRIBUTES})` },
]);

/**
 * An `otel_traces` block being built (a `NativeBlockBuilder` of {@linkcode TRACES_COLUMNS}):
 * append a value to every column, the `Events` and `Links` items included, close them with
 * {@linkcode TracesBlock.endEvents} and {@linkcode TracesBlock.endLinks}, then
 * {@linkcode TracesBlock.endRow}.
 *
 * @example
 * ```ts
 * import { NativeBlockBuilder } from "../native/mod.ts";
 * import { TRACES_COLUMNS, TracesBlock } from "./otel_traces.ts";
 * const block = new TracesBlock(new NativeBlockBuilder(TRACES_COLUMNS));
 * console.assert(block.unwritten().length === 0);
 * ```
 */
export class TracesBlock extends TableBlock {
  readonly timestamp = this.column("Timestamp", DateTime64Writer);
  readonly traceId = this.column("TraceId", StringWriter);
  readonly spanId = this.column("SpanId", StringWriter);
  readonly parentSpanId = this.column("ParentSpanId", StringWriter);
  readonly traceState = this.column("TraceState", StringWriter);
  readonly spanName = this.column("SpanName", StringWriter);
  readonly spanKind = this.column("SpanKind", StringWriter);
  readonly serviceName = this.column("ServiceName", StringWriter);
  readonly resourceAttributes = this.column("ResourceAttributes", StringMapWriter);
  readonly scopeName = this.column("ScopeName", StringWriter);
  readonly scopeVersion = this.column("ScopeVersion", StringWriter);
  readonly spanAttributes = this.column("SpanAttributes", StringMapWriter);
  readonly duration = this.column("Duration", UInt64Writer);
  readonly statusCode = this.column("StatusCode", StringWriter);
  readonly statusMessage = this.column("StatusMessage", StringWriter);
  readonly eventTimestamps = this.array("Events.Timestamp", DateTime64Writer);
  readonly eventNames = this.array("Events.Name", StringWriter);
  readonly eventAttributes = this.array("Events.Attributes", StringMapWriter);
  readonly linkTraceIds = this.array("Links.TraceId", StringWriter);
  readonly linkSpanIds = this.array("Links.SpanId", StringWriter);
  readonly linkTraceStates = this.array("Links.TraceState", StringWriter);
  readonly linkAttributes = this.array("Links.Attributes", StringMapWriter);

  constructor(builder: NativeBlockBuilder) {
    super(builder);
    this.complete();
  }

  /** Ends the row's `Events`: `n` items appended to each of their arrays. */
  endEvents(n: number): void {
    this.eventTimestamps.close(n);
    this.eventNames.close(n);
    this.eventAttributes.close(n);
  }

  /** Ends the row's `Links`: `n` items appended to each of their arrays. */
  endLinks(n: number): void {
    this.linkTraceIds.close(n);
    this.linkSpanIds.close(n);
    this.linkTraceStates.close(n);
    this.linkAttributes.close(n);
  }
}
