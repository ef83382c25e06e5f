/**
 * Which URL parameters of a ClickHouse HTTP request this endpoint accepts as
 * query settings. The embedded engine runs every request on one shared
 * connection with full rights, so only settings that shape one query's input,
 * output and limits pass; anything that widens rights (`readonly`,
 * `allow_ddl`, introspection, …) or is unknown here is refused.
 *
 * @module
 */
import type { Settings } from "../sql/store.ts";
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
  "add_http_cors_header",
  "http_write_exception_in_output_format",
  "http_response_headers",
]);

/** Settings passed to the engine by exact name. */
const ALLOWED = new Set([
  "async_insert",
  "wait_for_async_insert",
  "wait_for_async_insert_timeout",
  "async_insert_deduplicate",
  "deduplicate_blocks_in_dependent_materialized_views",
  "result_overflow_mode",
  "read_overflow_mode",
  "timeout_overflow_mode",
  "group_by_overflow_mode",
  "sort_overflow_mode",
  "distinct_overflow_mode",
  "set_overflow_mode",
  "transfer_overflow_mode",
  "log_comment",
  "mutations_sync",
  "alter_sync",
  "lightweight_deletes_sync",
  "final",
  "enable_json_type",
  "enable_dynamic_type",
  "enable_variant_type",
  "enable_time_time64_type",
  "allow_suspicious_low_cardinality_types",
  "use_query_cache",
  "query_cache_ttl",
  "session_timezone",
  "extremes",
  "totals_mode",
  "use_structure_from_insertion_table_in_table_functions",
  "low_cardinality_allow_in_native_format",
  "partial_result_on_first_cancel",
  "join_use_nulls",
  "join_algorithm",
  "optimize_move_to_prewhere",
  "force_primary_key",
  "force_index_by_date",
  "materialize_ttl_after_modify",
  "allow_nondeterministic_mutations",
  "flatten_nested",
  "data_type_default_nullable",
  "max_threads",
  "do_not_merge_across_partitions_select_final",
]);

/** Families of settings passed to the engine: formats, limits, insert behaviour. */
const ALLOWED_PREFIXES = [
  "output_format_",
  "input_format_",
  "format_",
  "date_time_",
  "max_",
  "min_insert_",
  "insert_",
  "join_",
  "optimize_",
  "allow_experimental_",
  "cast_",
  "parallel_replicas_",
  "query_plan_",
];

/** Names that match a family above but must never be changed per request. */
const DENIED = new Set([
  "max_memory_usage_for_user",
  "max_server_memory_usage",
  "max_concurrent_queries_for_user",
  "max_concurrent_queries_for_all_users",
  "insert_allow_materialized_columns",
  "allow_experimental_analyzer",
  "format_schema",
  "format_template_resultset",
  "format_template_row",
  "format_template_resultset_format",
  "format_template_row_format",
  "output_format_schema",
  "input_format_record_errors_file_path",
]);

const SETTING_NAME = /^[a-z_0-9]+$/;

/**
 * Picks the query settings out of a request's URL parameters, refusing those
 * this endpoint does not allow. `param_*` and HTTP parameters are skipped.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { settingsFromParams } from "./settings.ts";
 * const settings = settingsFromParams(new URLSearchParams("max_result_rows=10&query=SELECT+1"));
 * assert.ok(settings.max_result_rows === "10");
 * ```
 */
export function settingsFromParams(params: URLSearchParams): Settings {
  const settings: Settings = {};
  for (const [name, value] of params) {
    if (name.startsWith("param_") || HTTP_PARAMETERS.has(name) || IGNORED.has(name)) continue;
    // External-table parameters (`<table>_format`, `<table>_structure`) are not supported.
    checkSetting(name);
    settings[name] = value;
  }
  return settings;
}

/** Throws unless `name` may be set by a request. */
export function checkSetting(name: string): void {
  if (!SETTING_NAME.test(name)) {
    throw new EndpointError(
      "UNKNOWN_SETTING",
      `Setting name is not valid: '${name.slice(0, 100)}'`,
    );
  }
  if (
    DENIED.has(name) || (!ALLOWED.has(name) && !ALLOWED_PREFIXES.some((p) => name.startsWith(p)))
  ) {
    throw new EndpointError(
      "SETTING_CONSTRAINT_VIOLATION",
      `Setting ${name} cannot be changed through this endpoint`,
    );
  }
}
