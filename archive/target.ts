/**
 * Where archives go: a local directory or an S3-compatible bucket
 * (`s3://bucket/prefix`, endpoint and credentials from the standard `AWS_*`
 * variables), and how ClickHouse's `file()`/`s3()` table functions reach a
 * path under it. Paths and credentials are always bound as query
 * parameters; the target is validated here and every path below it is built
 * from names this module checks, never from raw input.
 *
 * @module
 */
import { isAbsolute, resolve } from "node:path";

/** A validated archive location. */
export type ArchiveTarget =
  | { kind: "file"; root: string; display: string }
  | {
    kind: "s3";
    /** `https://endpoint/bucket/prefix` (path style) or the AWS virtual-host URL, no trailing `/`. */
    baseUrl: string;
    accessKeyId: string;
    secretAccessKey: string;
    sessionToken?: string;
    display: string;
  };

/**
 * Settings for every call that reaches the archive. ClickHouse retries an S3 request up to 500
 * times by default, which holds a job against an unreachable endpoint for many minutes; a few
 * retries still ride out a transient error.
 */
export const ARCHIVE_SETTINGS = { s3_retry_attempts: 3 } as const;

/** SQL text with `{name:Type}` placeholders and the values to bind. */
export interface BoundSql {
  sql: string;
  params: Record<string, string>;
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const PREFIX_SEGMENT = /^[A-Za-z0-9._-]+$/;
/** Characters ClickHouse globs or our placeholders would read as syntax. */
const UNSAFE_PATH = /[*?{}[\]\\'"`\n\r\t\0]/;

/**
 * Parses `--archive-to`: `s3://bucket/prefix` or a local directory.
 *
 * @example
 * ```ts
 * import { parseArchiveTarget } from "./target.ts";
 * const target = parseArchiveTarget("s3://telemetry/tracehouse", {
 *   AWS_ENDPOINT_URL: "http://127.0.0.1:9000",
 *   AWS_ACCESS_KEY_ID: "id",
 *   AWS_SECRET_ACCESS_KEY: "secret",
 * });
 * console.assert(target.kind === "s3" && target.baseUrl === "http://127.0.0.1:9000/telemetry/tracehouse");
 * ```
 */
export function parseArchiveTarget(
  text: string,
  env: Record<string, string | undefined>,
): ArchiveTarget {
  if (text.startsWith("s3://")) return parseS3(text, env);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    throw new RangeError(
      `Invalid archive target "${text}": expected s3://bucket/prefix or a directory`,
    );
  }
  if (text === "" || UNSAFE_PATH.test(text)) {
    throw new RangeError(
      `Invalid archive directory "${text}": it may not be empty or hold * ? { } [ ] \\ or quotes`,
    );
  }
  const root = (isAbsolute(text) ? text : resolve(text)).replace(/\/+$/, "") || "/";
  return { kind: "file", root, display: root };
}

function parseS3(text: string, env: Record<string, string | undefined>): ArchiveTarget {
  const [bucket, ...segments] = text.slice("s3://".length).replace(/\/+$/, "").split("/");
  if (!BUCKET.test(bucket ?? "")) {
    throw new RangeError(
      `Invalid archive target "${text}": the bucket must be 3-63 lower-case letters, digits, dots or dashes`,
    );
  }
  for (const segment of segments) {
    if (!PREFIX_SEGMENT.test(segment) || segment === "." || segment === "..") {
      throw new RangeError(
        `Invalid archive target "${text}": prefix segments are letters, digits, dots, dashes and underscores`,
      );
    }
  }
  const accessKeyId = env.AWS_ACCESS_KEY_ID ?? "";
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY ?? "";
  if (accessKeyId === "" || secretAccessKey === "") {
    throw new RangeError(
      `Archive target "${text}" needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment`,
    );
  }
  const endpoint = env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL;
  let base: string;
  if (endpoint) {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      throw new RangeError(`Invalid AWS_ENDPOINT_URL "${endpoint}": expected an http(s) URL`);
    }
    if ((url.protocol !== "http:" && url.protocol !== "https:") || url.search || url.hash) {
      throw new RangeError(`Invalid AWS_ENDPOINT_URL "${endpoint}": expected an http(s) URL`);
    }
    base = `${url.origin}${url.pathname.replace(/\/+$/, "")}/${bucket}`;
  } else {
    const region = env.AWS_REGION || env.AWS_DEFAULT_REGION || "us-east-1";
    if (!/^[a-z0-9-]{2,32}$/.test(region)) throw new RangeError(`Invalid AWS_REGION "${region}"`);
    base = `https://${bucket}.s3.${region}.amazonaws.com`;
  }
  const prefix = segments.join("/");
  return {
    kind: "s3",
    baseUrl: prefix ? `${base}/${prefix}` : base,
    accessKeyId,
    secretAccessKey,
    sessionToken: env.AWS_SESSION_TOKEN || undefined,
    display: text.replace(/\/+$/, ""),
  };
}

/** Relative paths under a target: segments of checked characters, globs only where we put them. */
const RELATIVE_PATH = /^[A-Za-z0-9_=.*{},-]+(\/[A-Za-z0-9_=.*{},-]+)*$/;

/** The full location of `relative` under `target` (a path or URL), for messages and listings. */
export function locationOf(target: ArchiveTarget, relative: string): string {
  if (!RELATIVE_PATH.test(relative) || relative.split("/").includes("..")) {
    throw new TypeError(`Invalid archive path "${relative}"`);
  }
  return target.kind === "file" ? `${target.root}/${relative}` : `${target.baseUrl}/${relative}`;
}

/**
 * The table function reading or writing `relative` under `target` in `format`, with an explicit
 * `structure` (column list) when given. Every argument is a bound parameter.
 *
 * @example
 * ```ts
 * import { tableFunction } from "./target.ts";
 * const { sql, params } = tableFunction({ kind: "file", root: "/srv/archive", display: "" }, "traces/date=2026-12-01/part-0.parquet", "Parquet");
 * console.assert(sql === "file({archive_path:String}, 'Parquet')");
 * console.assert(params.archive_path === "/srv/archive/traces/date=2026-12-01/part-0.parquet");
 * ```
 */
export function tableFunction(
  target: ArchiveTarget,
  relative: string,
  format: "Parquet" | "RawBLOB",
  structure?: string,
): BoundSql {
  const params: Record<string, string> = { archive_path: locationOf(target, relative) };
  const tail = structure === undefined ? "" : ", {archive_structure:String}";
  if (structure !== undefined) params.archive_structure = structure;
  if (target.kind === "file") {
    return { sql: `file({archive_path:String}, '${format}'${tail})`, params };
  }
  params.archive_key = target.accessKeyId;
  params.archive_secret = target.secretAccessKey;
  let credentials = "{archive_key:String}, {archive_secret:String}";
  if (target.sessionToken) {
    params.archive_token = target.sessionToken;
    credentials += ", {archive_token:String}";
  }
  return { sql: `s3({archive_path:String}, ${credentials}, '${format}'${tail})`, params };
}
