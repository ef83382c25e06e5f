/**
 * The answer to a successful request, as a ClickHouse server writes it: the
 * `X-ClickHouse-*` headers (query id, summary, format, time zone) and the
 * content type of the output format.
 *
 * @module
 */
import type { RawResult } from "../sql/chdb.ts";
import type { RequestOptions } from "./request.ts";

/** The response for `result` of a request, in `format` (empty for statements without output). */
export function finish(
  result: RawResult,
  options: RequestOptions,
  headers: Headers,
  format: string,
): Response {
  const summary = {
    read_rows: String(result.stats.rowsRead),
    read_bytes: String(result.stats.bytesRead),
    written_rows: "0",
    written_bytes: "0",
    total_rows_to_read: String(result.stats.rowsRead),
    result_rows: "0",
    result_bytes: String(result.data.length),
    elapsed_ns: String(Math.round(result.stats.elapsedMs * 1e6)),
  };
  headers.set("X-ClickHouse-Query-Id", options.queryId);
  headers.set("X-ClickHouse-Summary", JSON.stringify(summary));
  headers.set("X-ClickHouse-Server-Display-Name", "tracehouse");
  headers.set("X-ClickHouse-Timezone", "UTC");
  if (format !== "") headers.set("X-ClickHouse-Format", format);
  headers.set("Content-Type", contentTypeFor(format));
  return new Response(result.data.length > 0 ? result.data as Uint8Array<ArrayBuffer> : null, {
    headers,
  });
}

function contentTypeFor(format: string): string {
  if (format === "") return "text/plain; charset=UTF-8";
  if (/^(JSON|PrettyJSON)/.test(format)) {
    return /EachRow|Lines|Stream/.test(format)
      ? "application/x-ndjson; charset=UTF-8"
      : "application/json; charset=UTF-8";
  }
  if (/^(TabSeparated|TSV)/.test(format)) return "text/tab-separated-values; charset=UTF-8";
  if (/^CSV/.test(format)) return "text/csv; charset=UTF-8; header=absent";
  if (/^(Native|RowBinary|Parquet|Arrow|ORC|Avro|Protobuf|MsgPack|CapnProto)/.test(format)) {
    return "application/octet-stream";
  }
  return "text/plain; charset=UTF-8";
}
