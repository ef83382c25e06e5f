import assert from "node:assert/strict";
import { encodeNative } from "../sql/native/mod.ts";
import { type EndpointProcess, startEndpointProcess } from "./test_server.ts";

// One endpoint process (fresh embedded engine) for the whole module; each
// test uses its own tables.
const MAX_BODY = 1024 * 1024;
let endpoint: Promise<EndpointProcess> | undefined;
const AUTH = { Authorization: `Basic ${btoa("ingest:pa:ss")}` };

function server(): Promise<EndpointProcess> {
  // Schema changes on: these tests make their own tables through the endpoint.
  endpoint ??= startEndpointProcess({
    username: "ingest",
    password: "pa:ss",
    maxBodyBytes: MAX_BODY,
    allowSchemaChanges: true,
  });
  return endpoint;
}

interface Answer {
  status: number;
  text: string;
  headers: Headers;
}

async function call(
  path: string,
  init: RequestInit & { auth?: boolean } = {},
): Promise<Answer> {
  const { url } = await server();
  const headers = new Headers(init.headers);
  if (init.auth !== false && !headers.has("authorization")) {
    headers.set("Authorization", AUTH.Authorization);
  }
  const response = await fetch(`${url}${path}`, { ...init, headers });
  return { status: response.status, text: await response.text(), headers: response.headers };
}

function sql(query: string, params: Record<string, string> = {}): string {
  return `/?${new URLSearchParams({ query, ...params })}`;
}

async function ok(path: string, init?: RequestInit & { auth?: boolean }): Promise<string> {
  const answer = await call(path, init);
  assert.equal(answer.status, 200, answer.text);
  return answer.text;
}

async function gzip(text: string | Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  const input = typeof text === "string" ? new TextEncoder().encode(text) : text;
  const stream = new Blob([input as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
    new CompressionStream("gzip"),
  );
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function assertError(answer: Answer, status: number, code: number, pattern: RegExp): void {
  assert.equal(answer.status, status, answer.text);
  assert.equal(answer.headers.get("x-clickhouse-exception-code"), String(code));
  assert.match(answer.text, new RegExp(`^Code: ${code}\\. DB::Exception: `));
  assert.match(answer.text, pattern);
}

function test(name: string, fn: () => Promise<void>): void {
  Deno.test({ name: `clickhouse http: ${name}`, sanitizeResources: false, sanitizeOps: false, fn });
}

test("GET / and /ping answer Ok.", async () => {
  assert.equal(await ok("/", { auth: false }), "Ok.\n");
  assert.equal(await ok("/ping", { auth: false }), "Ok.\n");
});

test("query in the URL, in the body, or split between both", async () => {
  assert.equal(await ok(sql("SELECT 1 + 1")), "2\n");
  assert.equal(await ok("/", { method: "POST", body: "SELECT 'body'" }), "body\n");
  // ClickHouse joins the URL part and the body with a newline.
  assert.equal(await ok(sql("SELECT 40"), { method: "POST", body: "+ 2 AS x" }), "42\n");
});

test("param_*, multipart params, default_format and response headers", async () => {
  const text = await ok(
    sql("SELECT {s:String} AS s, {a:Array(String)} AS a, {n:UInt64} AS n", {
      param_s: "tab\\there 'q'",
      param_a: "['x','y\\'z']",
      param_n: "18446744073709551615",
      default_format: "JSONEachRow",
      query_id: "my-query-1",
    }),
  );
  assert.deepEqual(JSON.parse(text), {
    s: "tab\there 'q'",
    a: ["x", "y'z"],
    n: "18446744073709551615",
  });
  const form = new FormData();
  form.set("query", "SELECT {v:String} AS v FORMAT JSONEachRow");
  form.set("param_v", "from a form");
  const answer = await call("/", { method: "POST", body: form });
  assert.equal(answer.status, 200, answer.text);
  assert.deepEqual(JSON.parse(answer.text), { v: "from a form" });
  assert.equal(answer.headers.get("x-clickhouse-format"), "JSONEachRow");
  const withHeaders = await call(sql("SELECT number FROM numbers(10)", { query_id: "q-77" }), {
    headers: { "X-ClickHouse-Format": "JSONCompactEachRow" },
  });
  assert.equal(withHeaders.text.split("\n")[0], '["0"]');
  assert.equal(withHeaders.headers.get("x-clickhouse-query-id"), "q-77");
  assert.equal(withHeaders.headers.get("x-clickhouse-format"), "JSONCompactEachRow");
  const summary = JSON.parse(withHeaders.headers.get("x-clickhouse-summary") ?? "{}");
  assert.equal(summary.read_rows, "10");
  const missing = await call(sql("SELECT {x:String}"));
  assert.equal(missing.status, 500);
  assert.match(missing.text, /UNKNOWN_QUERY_PARAMETER/);
});

test("database from the URL or X-ClickHouse-Database; unknown database is 404", async () => {
  await ok("/", { method: "POST", body: "CREATE DATABASE IF NOT EXISTS side" });
  assert.equal(await ok(sql("SELECT currentDatabase()", { database: "side" })), "side\n");
  assert.equal(
    await ok(sql("SELECT currentDatabase()"), { headers: { "X-ClickHouse-Database": "side" } }),
    "side\n",
  );
  // The shared connection is back on its own database afterwards.
  assert.equal(await ok(sql("SELECT currentDatabase()")), "default\n");
  assertError(await call(sql("SELECT 1", { database: "nope" })), 404, 81, /UNKNOWN_DATABASE/);
  assertError(await call(sql("SELECT 1", { database: "a-b" })), 404, 81, /UNKNOWN_DATABASE/);
});

test("settings apply to one request only; unsafe ones are refused", async () => {
  assert.equal(
    await ok(sql("SELECT getSetting('max_result_rows')", { max_result_rows: "77" })),
    "77\n",
  );
  assert.equal(await ok(sql("SELECT getSetting('max_result_rows')")), "0\n");
  await ok(sql("SELECT 1", { output_format_json_quote_64bit_integers: "0" }));
  assert.equal(await ok(sql("SELECT toUInt64(5) AS n FORMAT JSONEachRow")), '{"n":"5"}\n');
  const overflow = await call(
    sql("SELECT number FROM numbers(100)", { max_result_rows: "5", result_overflow_mode: "throw" }),
  );
  assert.equal(overflow.status, 500);
  assert.match(overflow.text, /TOO_MANY_ROWS_OR_BYTES/);
  for (const name of ["readonly", "allow_ddl", "allow_introspection_functions", "profile"]) {
    assertError(await call(sql("SELECT 1", { [name]: "1" })), 400, 452, /cannot be changed/);
  }
  // Accepted and ignored: the endpoint always buffers the whole answer.
  assert.equal(await ok(sql("SELECT 3", { wait_end_of_query: "1" })), "3\n");
  // SET and USE would outlive the request on the engine's one session: refused.
  assertError(
    await call("/", { method: "POST", body: "SET max_result_rows = 3" }),
    403,
    497,
    /SET statements/,
  );
  assertError(await call("/", { method: "POST", body: "USE system" }), 403, 497, /USE statements/);
  // So are settings in the query text, however they are spelled.
  for (
    const body of [
      "SELECT 1 SETTINGS max_execution_time = 0",
      "SELECT * FROM (SELECT 1 SETTINGS readonly = 0)",
      "select 1 format TSV settings max_threads=1",
    ]
  ) {
    assertError(await call("/", { method: "POST", body }), 403, 497, /SETTINGS/);
  }
  assert.equal(
    await ok(sql("SELECT currentDatabase(), getSetting('max_result_rows')")),
    "default\t0\n",
  );
  assertError(await call(sql("SELECT 1", { session_id: "s1" })), 501, 48, /Sessions/);
});

test("INSERT with data in the body: JSONEachRow, TSV, Native, RowBinary, Values", async () => {
  await ok("/", {
    method: "POST",
    body:
      "CREATE TABLE ins (n UInt32, s String, d String DEFAULT 'dflt') ENGINE = MergeTree ORDER BY n",
  });
  // Query in the URL, data in the body; fields out of order, one missing.
  await ok(sql("INSERT INTO ins (n, s, d) FORMAT JSONEachRow"), {
    method: "POST",
    body: '{"s":"json","n":1}\n{"n":2,"s":"it\'s \\"q\\"","d":"x"}\n',
  });
  // Query and data both in the body.
  await ok("/", { method: "POST", body: "INSERT INTO ins (n, s) FORMAT TSV\n3\ttsv\\tline\n" });
  // Native with bytes that would break query text (quotes, NUL, newlines).
  const tricky = "q'\"\\\0\n`";
  await ok(sql("INSERT INTO default.ins (n, s) FORMAT Native"), {
    method: "POST",
    body: encodeNative([{ n: 4, s: tricky }, { n: 5, s: "" }], [
      { name: "n", type: "UInt32" },
      { name: "s", type: "String" },
    ]) as Uint8Array<ArrayBuffer>,
  });
  const rowBinary = new Uint8Array([6, 0, 0, 0, 3, 0x72, 0x62, 0x27]); // 6, "rb'"
  await ok(sql('INSERT INTO "ins" (`n`, s) FORMAT RowBinary'), { method: "POST", body: rowBinary });
  await ok("/", { method: "POST", body: "INSERT INTO ins (n, s) VALUES (7, 'values'), (8, 'v2')" });
  // Settings of an insert travel as URL parameters; SETTINGS in its text are refused.
  await ok(
    sql("INSERT INTO ins (n, s) FORMAT JSONEachRow", { input_format_skip_unknown_fields: "1" }),
    {
      method: "POST",
      body: '{"n":9,"s":"skip","extra":1}',
    },
  );
  const inText = await call("/", {
    method: "POST",
    body:
      "INSERT INTO ins (n, s) SETTINGS input_format_skip_unknown_fields = 1 FORMAT JSONEachRow\n" +
      '{"n":10,"s":"skip","extra":1}',
  });
  assertError(inText, 403, 497, /Not allowed through this endpoint: INSERT/);
  const unsafe = await call(sql("INSERT INTO ins (n) FORMAT TSV", { readonly: "0" }), {
    method: "POST",
    body: "10\n",
  });
  assertError(unsafe, 400, 452, /readonly/);
  const rows = (await ok(sql("SELECT n, s, d FROM ins ORDER BY n FORMAT JSONEachRow")))
    .trim().split("\n").map((line) => JSON.parse(line));
  assert.deepEqual(rows, [
    { n: 1, s: "json", d: "dflt" },
    { n: 2, s: `it's "q"`, d: "x" },
    { n: 3, s: "tsv\tline", d: "dflt" },
    { n: 4, s: tricky, d: "dflt" },
    { n: 5, s: "", d: "dflt" },
    { n: 6, s: "rb'", d: "dflt" },
    { n: 7, s: "values", d: "dflt" },
    { n: 8, s: "v2", d: "dflt" },
    { n: 9, s: "skip", d: "dflt" },
  ]);
  // INSERT … SELECT is not a shape clients send.
  assertError(
    await call("/", { method: "POST", body: "INSERT INTO ins (n, s) SELECT 100, 'sel'" }),
    403,
    497,
    /Not allowed through this endpoint: INSERT/,
  );
  assert.equal(await ok(sql("SELECT count() FROM ins")), "9\n");
});

test("gzip request bodies; corrupt gzip is 400, other encodings are refused", async () => {
  await ok("/", { method: "POST", body: "CREATE TABLE gz (n UInt32) ENGINE = Memory" });
  assert.equal(
    await ok("/", {
      method: "POST",
      body: await gzip("SELECT 'zipped'"),
      headers: { "Content-Encoding": "gzip" },
    }),
    "zipped\n",
  );
  await ok(sql("INSERT INTO gz FORMAT TSV"), {
    method: "POST",
    body: await gzip("1\n2\n3\n"),
    headers: { "Content-Encoding": "gzip" },
  });
  assert.equal(await ok(sql("SELECT sum(n) FROM gz")), "6\n");
  const corrupt = await call(sql("INSERT INTO gz FORMAT TSV"), {
    method: "POST",
    body: new Uint8Array([0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]),
    headers: { "Content-Encoding": "gzip" },
  });
  assertError(corrupt, 400, 271, /CANNOT_DECOMPRESS/);
  const brotli = await call("/", {
    method: "POST",
    body: "SELECT 1",
    headers: { "Content-Encoding": "br" },
  });
  assertError(brotli, 400, 89, /Content-Encoding 'br'/);
  assert.equal(await ok(sql("SELECT sum(n) FROM gz")), "6\n");
});

test("oversized bodies are 413, compressed or not, with or without a length", async () => {
  const big = "x".repeat(MAX_BODY + 1);
  assertError(await call("/", { method: "POST", body: big }), 413, 229, /larger than the limit/);
  const chunked = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let i = 0; i < 3; i++) controller.enqueue(new Uint8Array(MAX_BODY / 2));
      controller.close();
    },
  });
  await ok("/", { method: "POST", body: "CREATE TABLE big (s String) ENGINE = Memory" });
  assertError(
    await call(sql("INSERT INTO big FORMAT LineAsString"), { method: "POST", body: chunked }),
    413,
    229,
    /QUERY_IS_TOO_LARGE/,
  );
  // A small gzip body that inflates past the limit.
  const bomb = await gzip(new Uint8Array(MAX_BODY * 4));
  assert.ok(bomb.length < MAX_BODY);
  assertError(
    await call(sql("INSERT INTO big FORMAT LineAsString"), {
      method: "POST",
      body: bomb,
      headers: { "Content-Encoding": "gzip" },
    }),
    413,
    229,
    /QUERY_IS_TOO_LARGE/,
  );
  assert.equal(await ok(sql("SELECT count() FROM big")), "0\n");
});

test("credentials: Basic, X-ClickHouse-User/Key, user/password; wrong ones are refused", async () => {
  assert.equal(await ok(sql("SELECT 1")), "1\n");
  assert.equal(
    await ok(sql("SELECT 2"), {
      auth: false,
      headers: { "X-ClickHouse-User": "ingest", "X-ClickHouse-Key": "pa:ss" },
    }),
    "2\n",
  );
  assert.equal(
    await ok(sql("SELECT 3", { user: "ingest", password: "pa:ss" }), { auth: false }),
    "3\n",
  );
  const wrong = await call(sql("SELECT 1"), {
    headers: { Authorization: `Basic ${btoa("ingest:nope")}` },
  });
  assertError(wrong, 403, 516, /ingest: Authentication failed/);
  assertError(await call(sql("SELECT 1"), { auth: false }), 403, 516, /default: Authentication/);
  assertError(
    await call(sql("SELECT 1", { user: "ingest", password: "pa:ss" })),
    400,
    36,
    /not allowed to use more than one/,
  );
  assertError(
    await call(sql("SELECT 1"), { headers: { Authorization: "Bearer abc" } }),
    403,
    516,
    /Basic authentication/,
  );
});

test("errors: syntax 400, unknown table 404, writes over GET refused", async () => {
  const syntax = await call(sql("SELEC 1"));
  assertError(syntax, 400, 62, /Syntax error.*\(SYNTAX_ERROR\)/s);
  const missing = await call(sql("SELECT * FROM no_such_table"));
  assertError(missing, 404, 60, /UNKNOWN_TABLE/);
  assertError(await call(sql("DROP TABLE IF EXISTS ins")), 500, 164, /readonly mode/);
  assertError(await call(sql("INSERT INTO ins VALUES (1)")), 500, 164, /readonly mode/);
  assertError(await call("/", { method: "POST", body: "" }), 400, 62, /Empty query/);
  assertError(
    await call("/", { method: "POST", body: "INSERT INTO t (a FORMAT TSV\n1" }),
    400,
    62,
    /Syntax error/,
  );
  assertError(await call(sql("SELECT 1"), { method: "PUT" }), 405, 1, /PUT/);
});

test("statements reaching files, hosts or the engine itself are refused", async () => {
  for (
    const query of [
      "SELECT * FROM file('/etc/passwd', 'LineAsString')",
      "SELECT file('/etc/hostname')",
      "SELECT * FROM `url` ('http://127.0.0.1:1/', 'CSV')",
      "SELECT * FROM s3/* comment */('http://x/y')",
      "SELECT * FROM `/etc/passwd`",
      "SELECT 1 INTO OUTFILE '/tmp/x'",
      "INSERT INTO FUNCTION file('/tmp/x', 'TSV') SELECT 1",
      "INSERT INTO t FROM INFILE '/etc/passwd' FORMAT LineAsString",
      "CREATE TABLE f (s String) ENGINE = File(TSV, '/etc/passwd')",
      "CREATE TABLE d (n UInt8) ENGINE = MergeTree ORDER BY n SETTINGS disk = disk(type = local, path = '/tmp/d/')",
      "CREATE TEMPORARY TABLE tmp (n UInt8)",
      "SYSTEM SHUTDOWN",
      "ATTACH TABLE x FROM '/tmp/y'",
      "BACKUP DATABASE default TO Disk('default', 'b')",
    ]
  ) {
    assertError(await call("/", { method: "POST", body: query }), 403, 497, /ACCESS_DENIED/);
  }
  // chDB's default database resolves plain names to files in the working directory, and a file
  // table the engine once looked up is read even under readonly: a DROP of a name the engine
  // does not list must not make it look one up.
  await ok("/", { method: "POST", body: "DROP TABLE IF EXISTS Dockerfile" });
  assertError(
    await call("/", { method: "POST", body: "DROP TABLE Dockerfile" }),
    404,
    60,
    /Dockerfile/,
  );
  for (const query of ["SELECT * FROM Dockerfile", "SELECT * FROM default.Dockerfile"]) {
    const answer = await call("/", { method: "POST", body: query });
    assertError(answer, 404, 60, /UNKNOWN_TABLE/);
    assert.doesNotMatch(answer.text, /FROM |deno/i);
  }
  // Several statements: the engine's parser refuses them.
  assertError(
    await call("/", { method: "POST", body: "SELECT 1; SET max_result_rows = 1" }),
    400,
    62,
    /Multi-statements are not allowed/,
  );
  assert.equal(
    await ok("/", { method: "POST", body: "SELECT getSetting('max_result_rows');" }),
    "0\n",
  );
  // Strings and names that merely mention them are fine.
  assert.equal(
    await ok("/", { method: "POST", body: "SELECT 'file(' AS file, 'url' AS url" }),
    "file(\turl\n",
  );
});

test("browser requests from other sites and unknown Host names are refused", async () => {
  const { url } = await server();
  const crossSite = await call(sql("SELECT 1"), {
    method: "POST",
    headers: { Origin: "https://evil.example", "Content-Type": "text/plain" },
  });
  assertError(crossSite, 403, 497, /Cross-site request refused/);
  const sameSite = await call(sql("SELECT 1"), { headers: { "Sec-Fetch-Site": "same-site" } });
  assertError(sameSite, 403, 497, /Cross-site/);
  // DNS rebinding: the attacker's name in Host. fetch() does not let a test set Host, so raw HTTP.
  const { port } = new URL(url);
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: Number(port) });
  await conn.write(
    new TextEncoder().encode(
      `GET /?query=SELECT+1 HTTP/1.1\r\nHost: rebind.attacker.example:${port}\r\n` +
        `Authorization: ${AUTH.Authorization}\r\nConnection: close\r\n\r\n`,
    ),
  );
  const answer = new TextDecoder().decode(
    await new Response(conn.readable).arrayBuffer(),
  );
  assert.match(answer, /^HTTP\/1\.1 403/);
  assert.match(answer, /is not a name this server answers to/);
  // A ClickHouse client sends no Origin, and a same-origin page is fine.
  assert.equal(await ok(sql("SELECT 2"), { headers: { Origin: url } }), "2\n");
});

test("unauthenticated callers never see engine messages", async () => {
  const answer = await call(sql("SELECT * FROM no_such_table"), { auth: false });
  assertError(answer, 403, 516, /Authentication failed/);
  assert.doesNotMatch(answer.text, /no_such_table|UNKNOWN_TABLE/);
  const withBody = await call("/", {
    method: "POST",
    body: "SELEC 1",
    headers: { Authorization: `Basic ${btoa("ingest:wrong")}` },
  });
  assert.doesNotMatch(withBody.text, /Syntax|SELEC/);
});

test("Native output for a client protocol revision gains BlockInfo and flags", async () => {
  const query = `SELECT toUInt8(number) AS a, toString(number) AS s,
      toLowCardinality(toString(number % 2)) AS lc, [toNullable(number), NULL] AS arr,
      map('k', toString(number)) AS m, (number, 'x')::Tuple(n UInt64, t String) AS tup,
      toFixedString('ab', 2) AS fs, toDecimal64(number, 3) AS dec, generateUUIDv4() AS u,
      [toLowCardinality(toNullable('v'))] AS alc, toDateTime64(number, 9, 'UTC') AS ts
    FROM numbers(3) FORMAT Native`;
  const plain = await fetch(`${(await server()).url}${sql(query)}`, { headers: AUTH });
  const plainBytes = new Uint8Array(await plain.arrayBuffer());
  const revised = await fetch(
    `${(await server()).url}${sql(query, { client_protocol_version: "54460" })}`,
    { headers: AUTH },
  );
  const revisedBytes = new Uint8Array(await revised.arrayBuffer());
  assert.equal(revised.status, 200);
  // One block: 8 bytes of BlockInfo, one flag byte per column (11 columns).
  assert.equal(revisedBytes.length, plainBytes.length + 8 + 11);
  assert.deepEqual([...revisedBytes.subarray(0, 8)], [1, 0, 2, 255, 255, 255, 255, 0]);
  const unsupported = await call(
    sql("SELECT '{}'::JSON AS j FORMAT Native", { client_protocol_version: "54460" }),
  );
  assertError(unsupported, 501, 48, /does not support the type JSON/);
});

test("requests run with a bounded time limit", async () => {
  const limit = (settings: Record<string, string>) =>
    ok(sql("SELECT getSetting('max_execution_time')", settings)).then((t) => t.trim());
  assert.equal(await limit({}), "60");
  assert.equal(await limit({ max_execution_time: "5" }), "5");
  // 0 means "unlimited" to ClickHouse; here it means the bound, as does anything above it.
  assert.equal(await limit({ max_execution_time: "0" }), "60");
  assert.equal(await limit({ max_execution_time: "100000" }), "60");
});

test("the process is still up after every bad request", async () => {
  const process = await server();
  assert.ok(process.alive(), process.stderr());
  assert.equal(await ok("/ping", { auth: false }), "Ok.\n");
  assert.equal(await ok(sql("SELECT 'still here'")), "still here\n");
  await process.close();
  assert.ok(!process.stderr().includes("panicked"), process.stderr());
});
