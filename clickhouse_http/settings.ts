/**
 * Query settings a request may pass as URL parameters, by exact name: the ones
 * that shape one query's input, output and limits. `SETTINGS` inside the
 * query text is refused (see `classify.ts`); the endpoint writes the one
 * `SETTINGS` clause of every statement it runs itself, with `readonly = 1`
 * on reads and a bounded `max_execution_time` on everything.
 *
 * @module
 */
import { EndpointError } from "./errors.ts";

/** URL parameters that belong to the HTTP interface itself, not to the query. */
export const HTTP_PARAMETERS: ReadonlySet<string> = new Set([
  "query",
  "database",
  "default_format",
  "user",
  "password",
  "quota_key",
  "query_id",
  "session_id",
  "session_timeout",
  "session_check",
  "client_protocol_version",
  "compress",
  "decompress",
  "role",
]);

/** Settings about the HTTP exchange that this endpoint accepts and ignores (it always buffers). */
const IGNORED = new Set([
  "wait_end_of_query",
  "send_progress_in_http_headers",
  "http_headers_progress_interval_ms",
  "enable_http_compression",
  "http_zlib_compression_level",
  "http_native_compression_disable_checksumming_on_decompress",
  "http_response_buffer_size",
  "http_wait_end_of_query",
  "buffer_size",
  "cancel_http_readonly_queries_on_client_close",
  "http_write_exception_in_output_format",
]);

/** Settings passed on to the statement. */
const ALLOWED = new Set([
  // Limits of one query.
  "max_execution_time",
  "max_result_rows",
  "max_result_bytes",
  "result_overflow_mode",
  "max_rows_to_read",
  "max_bytes_to_read",
  "read_overflow_mode",
  "timeout_overflow_mode",
  "max_rows_to_group_by",
  "group_by_overflow_mode",
  "max_rows_to_sort",
  "sort_overflow_mode",
  "max_threads",
  "max_block_size",
  "max_memory_usage",
  // Input and output formats.
  "output_format_json_quote_64bit_integers",
  "output_format_json_quote_64bit_floats",
  "output_format_json_quote_decimals",
  "output_format_json_quote_denormals",
  "output_format_json_named_tuples_as_objects",
  "output_format_write_statistics",
  "output_format_native_encode_types_in_binary_format",
  "output_format_native_write_json_as_string",
  "date_time_output_format",
  "date_time_input_format",
  "input_format_skip_unknown_fields",
  "input_format_null_as_default",
  "input_format_defaults_for_omitted_fields",
  "input_format_import_nested_json",
  "input_format_allow_errors_num",
  "input_format_allow_errors_ratio",
  "input_format_native_allow_types_conversion",
  "input_format_native_decode_types_in_binary_format",
  "low_cardinality_allow_in_native_format",
  "format_csv_delimiter",
  // Inserts.
  "async_insert",
  "wait_for_async_insert",
  "wait_for_async_insert_timeout",
  "async_insert_deduplicate",
  "insert_deduplicate",
  "insert_null_as_default",
  "max_insert_block_size",
  "min_insert_block_size_rows",
  "min_insert_block_size_bytes",
  "deduplicate_blocks_in_dependent_materialized_views",
  // How a query reads.
  "log_comment",
  "final",
  "use_query_condition_cache",
  "join_use_nulls",
  "join_algorithm",
  "optimize_move_to_prewhere",
  "optimize_read_in_order",
  "optimize_aggregation_in_order",
  "force_primary_key",
  "force_index_by_date",
  "do_not_merge_across_partitions_select_final",
  "session_timezone",
  "extremes",
  "totals_mode",
  "enable_json_type",
  "enable_dynamic_type",
  "enable_variant_type",
  "mutations_sync",
  "alter_sync",
]);

const SETTING_NAME = /^[a-z_][a-z0-9_]*$/;
const NUMBER = /^-?\d+(\.\d+)?$/;
const MAX_VALUE_LENGTH = 1000;

/** Settings of one request: name → value as the request spelled it. */
export type RequestSettings = Record<string, string>;

/**
 * Picks the query settings out of a request's URL parameters, refusing those
 * this endpoint does not allow. `param_*` and HTTP parameters are skipped.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { settingsFromParams } from "./settings.ts";
 * const settings = settingsFromParams(new URLSearchParams("max_result_rows=10&query=SELECT+1"));
 * assert.equal(settings.max_result_rows, "10");
 * assert.throws(() => settingsFromParams(new URLSearchParams("readonly=0")));
 * ```
 */
export function settingsFromParams(params: Iterable<[string, string]>): RequestSettings {
  const settings: RequestSettings = {};
  for (const [name, value] of params) {
    if (name.startsWith("param_") || HTTP_PARAMETERS.has(name) || IGNORED.has(name)) continue;
    checkSetting(name, value);
    settings[name] = value;
  }
  return settings;
}

/** Throws unless a request may set `name` to `value`. */
export function checkSetting(name: string, value: string): void {
  if (!SETTING_NAME.test(name)) {
    throw new EndpointError(
      "UNKNOWN_SETTING",
      `Setting name is not valid: '${name.slice(0, 100)}'`,
    );
  }
  if (!ALLOWED.has(name)) {
    throw new EndpointError(
      "SETTING_CONSTRAINT_VIOLATION",
      `Setting ${name} cannot be changed through this endpoint`,
    );
  }
  if (value.length > MAX_VALUE_LENGTH) {
    throw new EndpointError("BAD_ARGUMENTS", `Value of setting ${name} is too long`);
  }
}

function literal(value: string): string {
  return NUMBER.test(value) ? value : `'${value.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}

/** Options of {@linkcode settingsClause}. */
export interface ClauseOptions {
  /** Add `readonly = 1`: the engine then refuses table functions, writes and setting changes. */
  readonly: boolean;
  /** Upper bound of `max_execution_time`, in seconds; also its value when the request sets none or 0. */
  maxExecutionTimeSeconds: number;
}

/**
 * The ` SETTINGS …` clause the endpoint appends to a statement: the request's
 * allowed settings, `max_execution_time` bounded (0, "unlimited", becomes the
 * bound), and `readonly = 1` for reads. Settings in one clause are checked
 * against the limits in force before it, so the client's own settings still
 * apply next to `readonly`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { settingsClause } from "./settings.ts";
 * assert.equal(
 *   settingsClause({ max_execution_time: "0", log_comment: "it's" }, { readonly: true, maxExecutionTimeSeconds: 60 }),
 *   " SETTINGS max_execution_time = 60, log_comment = 'it\\'s', readonly = 1",
 * );
 * ```
 */
export function settingsClause(settings: RequestSettings, options: ClauseOptions): string {
  const bound = options.maxExecutionTimeSeconds;
  const pairs: string[] = [];
  const asked = Number(settings.max_execution_time ?? 0);
  const seconds = Number.isFinite(asked) && asked > 0 ? Math.min(asked, bound) : bound;
  pairs.push(`max_execution_time = ${seconds}`);
  for (const [name, value] of Object.entries(settings)) {
    if (name === "max_execution_time") continue;
    checkSetting(name, value);
    pairs.push(`${name} = ${literal(value)}`);
  }
  if (options.readonly) pairs.push("readonly = 1");
  return ` SETTINGS ${pairs.join(", ")}`;
}
