import assert from "node:assert/strict";
import { locationOf, parseArchiveTarget, tableFunction } from "./target.ts";

const KEYS = { AWS_ACCESS_KEY_ID: "AKIA123", AWS_SECRET_ACCESS_KEY: "s3cr3t/+=" };

Deno.test("s3 targets: endpoint from AWS_ENDPOINT_URL(_S3), AWS URL from the region", () => {
  const custom = parseArchiveTarget("s3://logs-archive/prod/tracehouse/", {
    ...KEYS,
    AWS_ENDPOINT_URL: "https://minio.internal:9000/",
    AWS_ENDPOINT_URL_S3: "https://s3.internal",
  });
  assert.equal(
    custom.kind === "s3" && custom.baseUrl,
    "https://s3.internal/logs-archive/prod/tracehouse",
  );
  const aws = parseArchiveTarget("s3://logs-archive", { ...KEYS, AWS_REGION: "eu-west-3" });
  assert.equal(aws.kind === "s3" && aws.baseUrl, "https://logs-archive.s3.eu-west-3.amazonaws.com");
  const { sql, params } = tableFunction(
    parseArchiveTarget("s3://b1b/p", { ...KEYS, AWS_SESSION_TOKEN: "tok" }),
    "traces/date=2026-12-01/part-0.parquet",
    "Parquet",
    "a String",
  );
  assert.equal(
    sql,
    "s3({archive_path:String}, {archive_key:String}, {archive_secret:String}, {archive_token:String}, 'Parquet', {archive_structure:String})",
  );
  assert.equal(
    params.archive_path,
    "https://b1b.s3.us-east-1.amazonaws.com/p/traces/date=2026-12-01/part-0.parquet",
  );
  assert.equal(params.archive_secret, "s3cr3t/+=");
});

Deno.test("directory targets resolve to absolute paths", () => {
  const target = parseArchiveTarget("archive/", {});
  assert.equal(target.kind, "file");
  assert.equal(
    locationOf(target, "logs/date=2026-12-01/manifest.json"),
    `${Deno.cwd()}/archive/logs/date=2026-12-01/manifest.json`,
  );
});

Deno.test("bad targets and paths are refused", () => {
  const cases: [string, Record<string, string>, RegExp][] = [
    ["s3://UPPER/x", KEYS, /bucket must be/],
    ["s3://ok-bucket/a b", KEYS, /prefix segments/],
    ["s3://ok-bucket/../etc", KEYS, /prefix segments/],
    ["s3://ok-bucket/x", {}, /needs AWS_ACCESS_KEY_ID/],
    ["s3://ok-bucket/x", { ...KEYS, AWS_ENDPOINT_URL: "ftp://x" }, /Invalid AWS_ENDPOINT_URL/],
    ["s3://ok-bucket/x", { ...KEYS, AWS_REGION: "../x" }, /Invalid AWS_REGION/],
    ["gs://bucket/x", {}, /expected s3:\/\/bucket\/prefix or a directory/],
    ["/srv/{a,b}", {}, /Invalid archive directory/],
    ["/srv/it's", {}, /Invalid archive directory/],
    ["", {}, /Invalid archive directory/],
  ];
  for (const [text, env, message] of cases) {
    assert.throws(() => parseArchiveTarget(text, env), message, text);
  }
  const target = parseArchiveTarget("/srv/archive", {});
  assert.throws(() => locationOf(target, "../../etc/passwd"), /Invalid archive path/);
  assert.throws(() => locationOf(target, "x/'; DROP"), /Invalid archive path/);
});
