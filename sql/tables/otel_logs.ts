/**
 * `otel_logs` (DDL: `sql/migrations/002_logs.sql`): its insertable and materialized columns,
 * and the block the log mappers append to, with one typed writer per column.
 *
 * @module
 */
import type { NativeBlockBuilder } from "../native/mod.ts";
import type { ColumnSpec } from "../store.ts";
import { DateTime64Writer, StringMapWriter, StringWriter, UInt8Writer } from "./column_writers.ts";
import { ATTRIBUTES, TableBlock } from "./table_block.ts";

/**
 * Log records (`otel_logs`), in table order, with the types ClickHouse reports for them,
 * without the `MATERIALIZED` columns (inserts never name them).
 *
 * @example
 * ```ts
 * import { LOGS_COLUMNS } from "./otel_logs.ts";
 * console.assert(LOGS_COLUMNS[7].name === "Body");
 * ```
 */
export const LOGS_COLUMNS: readonly ColumnSpec[] = Object.freeze([
  { name: "Timestamp", type: "DateTime64(9)" },
  { name: "TraceId", type: "String" },
  { name: "SpanId", type: "String" },
  { name: "TraceFlags", type: "UInt8" },
  { name: "SeverityText", type: "LowCardinality(String)" },
  { name: "SeverityNumber", type: "UInt8" },
  { name: "ServiceName", type: "LowCardinality(String)" },
  { name: "Body", type: "String" },
  { name: "ResourceSchemaUrl", type: "LowCardinality(String)" },
  { name: "ResourceAttributes", type: ATTRIBUTES },
  { name: "ScopeSchemaUrl", type: "LowCardinality(String)" },
  { name: "ScopeName", type: "String" },
  { name: "ScopeVersion", type: "LowCardinality(String)" },
  { name: "ScopeAttributes", type: ATTRIBUTES },
  { name: "LogAttributes", type: ATTRIBUTES },
  { name: "EventName", type: "String" },
]);

/** Names of the `MATERIALIZED` columns of `otel_logs`, computed by ClickHouse from `ResourceAttributes`. */
export const LOGS_MATERIALIZED_COLUMNS: readonly string[] = Object.freeze([
  "__otel_materialized_k8s.cluster.name",
  "__otel_materialized_k8s.container.name",
  "__otel_materialized_k8s.deployment.name",
  "__otel_materialized_k8s.namespace.name",
  "__otel_materialized_k8s.node.name",
  "__otel_materialized_k8s.pod.name",
  "__otel_materialized_k8s.pod.uid",
  "__otel_materialized_deployment.environment.name",
]);

/**
 * An `otel_logs` block being built (a `NativeBlockBuilder` of {@linkcode LOGS_COLUMNS}):
 * append a value to every column, then {@linkcode LogsBlock.endRow}.
 *
 * @example
 * ```ts
 * import { NativeBlockBuilder } from "../native/mod.ts";
 * import { LOGS_COLUMNS, LogsBlock } from "./otel_logs.ts";
 * const block = new LogsBlock(new NativeBlockBuilder(LOGS_COLUMNS));
 * console.assert(block.unwritten().length === 0);
 * ```
 */
export class LogsBlock extends TableBlock {
  readonly timestamp = this.column("Timestamp", DateTime64Writer);
  readonly traceId = this.column("TraceId", StringWriter);
  readonly spanId = this.column("SpanId", StringWriter);
  readonly traceFlags = this.column("TraceFlags", UInt8Writer);
  readonly severityText = this.column("SeverityText", StringWriter);
  readonly severityNumber = this.column("SeverityNumber", UInt8Writer);
  readonly serviceName = this.column("ServiceName", StringWriter);
  readonly body = this.column("Body", StringWriter);
  readonly resourceSchemaUrl = this.column("ResourceSchemaUrl", StringWriter);
  readonly resourceAttributes = this.column("ResourceAttributes", StringMapWriter);
  readonly scopeSchemaUrl = this.column("ScopeSchemaUrl", StringWriter);
  readonly scopeName = this.column("ScopeName", StringWriter);
  readonly scopeVersion = this.column("ScopeVersion", StringWriter);
  readonly scopeAttributes = this.column("ScopeAttributes", StringMapWriter);
  readonly logAttributes = this.column("LogAttributes", StringMapWriter);
  readonly eventName = this.column("EventName", StringWriter);

  constructor(builder: NativeBlockBuilder) {
    super(builder);
    this.complete();
  }
}
