/**
 * The ClickHouse-compatible endpoint under attack: hundreds of hostile
 * requests against a real endpoint over the embedded engine (Tracehouse's
 * tables migrated, default settings), each class of issue #12 written out,
 * then a generated fuzz set (comments, nested comments, quoting, escapes,
 * case, whitespace, unicode, multi-statements, every transport).
 *
 * After every request it checks, from outside the endpoint:
 * - no file outside the data directory was read (a canary file whose access
 *   time would move, and whose text must appear in no answer) or written (a
 *   watched directory, and the relative paths an attack could reach);
 * - no outbound connection was made (a local TCP listener that every
 *   `url()`/`remote()`/`s3()`/… attack points at counts accepted connections);
 * - the engine's session is as it was (current database, changed settings,
 *   temporary tables, tables and databases), read straight from the store.
 *
 * `TRACEHOUSE_FUZZ_SEED` replays a run; the seed is in every failure message.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  type EndpointProcess,
  type SessionState,
  startEndpointProcess,
} from "../clickhouse_http/test_server.ts";

const PASSWORD = `adv-${crypto.randomUUID()}`;
const AUTH = `Basic ${btoa(`default:${PASSWORD}`)}`;
const SEED = Number(Deno.env.get("TRACEHOUSE_FUZZ_SEED") ?? Date.now() % 2 ** 31);
const FUZZ_HOSTILE = 320;
const FUZZ_SAFE = 60;

/** What the attacks aim at: a canary, a watched directory, a listener. */
interface Targets {
  canary: string;
  canaryText: string;
  watchDir: string;
  /** `127.0.0.1:<port>` of the counting listener. */
  hostPort: string;
  http: string;
}

/** A small seeded generator (mulberry32), so a failing run can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Spelling variants an attacker uses to slip a name or a string past a scanner. */
class Spelling {
  constructor(readonly rand: () => number) {}

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.rand() * items.length)];
  }

  /** Space, tabs, line breaks, comments (nested ones too), or nothing where allowed. */
  gap(): string {
    return this.pick([
      " ",
      "\t",
      "\n",
      "\r\n",
      "  \n\t ",
      " /* c */ ",
      " /* a /* nested */ b */ ",
      " /* /* /* deep */ */ */ ",
      " -- line comment\n",
      " --\n",
      "/**/",
      " /* ; SET readonly = 0 */ ",
      " /* ' */ ",
    ]);
  }

  keyword(word: string): string {
    return this.pick([
      word,
      word.toLowerCase(),
      [...word].map((c) => this.rand() < 0.5 ? c.toLowerCase() : c).join(""),
    ]);
  }

  /** A function or table name: plain, back- or double-quoted, `\xHH`-escaped, re-cased, look-alike. */
  name(name: string): string {
    const i = Math.floor(this.rand() * name.length);
    const hex = `\\x${name.charCodeAt(i).toString(16).padStart(2, "0")}`;
    const escaped = name.slice(0, i) + hex + name.slice(i + 1);
    return this.pick([
      name,
      name,
      `\`${name}\``,
      `"${name}"`,
      `\`${escaped}\``,
      `"${escaped}"`,
      name.toUpperCase(),
      // Cyrillic і, a zero-width space, a full-width letter.
      name.replace("i", "\u0456"),
      `${name.slice(0, 1)}\u200b${name.slice(1)}`,
      name.replace(/[a-z]/, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)),
    ]);
  }

  /** A string literal: quoted, `$$…$$`, heredoc, escaped bytes, or built by concat(). */
  text(value: string): string {
    const escaped = [...value].map((c) =>
      /[a-z]/.test(c) && this.rand() < 0.3
        ? `\\x${c.charCodeAt(0).toString(16)}`
        : c === "'"
        ? "\\'"
        : c
    ).join("");
    const half = Math.floor(value.length / 2);
    return this.pick([
      `'${value}'`,
      `$$${value}$$`,
      `$tag$${value}$tag$`,
      `'${escaped}'`,
      `concat('${value.slice(0, half)}', '${value.slice(half)}')`,
    ]);
  }

  /** Something after the statement that would change the session if it ran. */
  tail(): string {
    return this.pick([
      "",
      "",
      ";",
      "; SET readonly = 0",
      "; SET max_execution_time = 0",
      "; USE system",
      ";\nSYSTEM SHUTDOWN",
      " SETTINGS max_execution_time = 0",
      " SETTINGS readonly = 0",
      " FORMAT TSV",
      " -- ;",
      " /* unterminated",
    ]);
  }
}

/** Hostile statements, each a function of the spelling so the fuzzer can vary it. */
function hostileTemplates(t: Targets): ((s: Spelling) => string)[] {
  const g = (s: Spelling) => s.gap();
  return [
    (s) => `SELECT * FROM ${s.name("file")}(${s.text(t.canary)}, ${s.text("LineAsString")})`,
    (s) => `${s.keyword("SELECT")}${g(s)}${s.name("file")}(${s.text(t.canary)})`,
    (s) => `SELECT * FROM ${s.name("url")}(${s.text(t.http)}, 'CSV', 'a String')`,
    (s) => `SELECT * FROM ${s.name("s3")}(${s.text(`${t.http}b/k.csv`)}, 'CSV', 'a String')`,
    (s) => `SELECT * FROM ${s.name("remote")}(${s.text(t.hostPort)}, system.one)`,
    (s) => `SELECT * FROM ${s.name("remoteSecure")}(${s.text(t.hostPort)}, system.one)`,
    (s) => `SELECT * FROM ${s.name("mysql")}(${s.text(t.hostPort)}, 'd', 't', 'u', 'p')`,
    (s) => `SELECT * FROM ${s.name("postgresql")}(${s.text(t.hostPort)}, 'd', 't', 'u', 'p')`,
    (s) => `SELECT * FROM ${s.name("icebergS3")}(${s.text(`${t.http}lake/`)})`,
    (s) => `SELECT * FROM ${s.name("deltaLake")}(${s.text(`${t.http}lake/`)})`,
    (s) => `SELECT * FROM ${s.name("s3Cluster")}('default', ${s.text(`${t.http}k.csv`)})`,
    (s) => `SELECT * FROM ${s.name("urlCluster")}('default', ${s.text(t.http)}, 'CSV')`,
    (s) => `SELECT * FROM ${s.name("fileCluster")}('default', ${s.text(t.canary)})`,
    (s) => `SELECT * FROM ${s.name("view")}(SELECT * FROM file(${s.text(t.canary)}))`,
    (s) => `SELECT * FROM ${s.name("sqlite")}(${s.text(t.canary)}, 't')`,
    (s) => `SELECT * FROM ${s.name("executable")}('cat ${t.canary}', 'TSV', 'a String')`,
    (s) => `SELECT * FROM ${s.name("merge")}('system', '^one$')`,
    (s) => `SELECT * FROM ${s.name(`\`${t.canary}\``)}`,
    (s) => `SELECT * FROM default.\`${t.canary}\`${g(s)}`,
    (s) => `SELECT 1 IN \`${t.canary}\`${s.tail()}`,
    (s) => `SELECT 1${g(s)}${s.keyword("INTO")} OUTFILE ${s.text(join(t.watchDir, "out.txt"))}`,
    (s) => `SELECT 1 INTO OUTFILE 'pwned_relative.txt' TRUNCATE${g(s)}`,
    (s) =>
      `${s.keyword("INSERT")} INTO FUNCTION ${s.name("file")}(${
        s.text(join(t.watchDir, "x.tsv"))
      }, 'TSV') SELECT 1`,
    (s) => `INSERT INTO otel_logs FROM INFILE ${s.text(t.canary)} FORMAT LineAsString`,
    (s) => `INSERT INTO otel_logs (Body) SELECT * FROM file(${s.text(t.canary)}, 'LineAsString')`,
    (s) => `SELECT ${s.name("hasColumnInTable")}(${s.text(t.hostPort)}, 'd', 't', 'c')`,
    (s) => `SELECT ${s.name("catboostEvaluate")}(${s.text(t.canary)}, 1)`,
    (s) => `SELECT ${s.name("AIGenerate")}('hi')`,
    (s) => `SELECT ${s.name("getServerSetting")}('path')`,
    (s) => `SELECT ${s.name("sleepEachRow")}(3) FROM numbers(100)`,
    (s) => `${s.keyword("SYSTEM")}${g(s)}SHUTDOWN`,
    (s) => `${s.keyword("SET")} max_execution_time = 0`,
    (s) => `${s.keyword("USE")}${g(s)}system`,
    (s) => `SELECT ${s.text(";")}${g(s)}; SET readonly = 0`,
    (s) => `SELECT 1 ${s.keyword("SETTINGS")} max_execution_time = 0`,
    (s) => `SELECT * FROM (SELECT * FROM file(${s.text(t.canary)}) SETTINGS readonly = 0)`,
    (s) => `CREATE TABLE pwn (s String) ENGINE = ${s.name("File")}(TSV, ${s.text(t.canary)})`,
    (s) => `CREATE DATABASE pwn ENGINE = ${s.name("Filesystem")}('/')`,
    (s) => `CREATE TEMPORARY TABLE pwn (n UInt8)${s.tail()}`,
    (s) => `DROP TABLE otel_logs${s.tail()}`,
    (s) => `SELECT * FROM ${s.keyword("system")}.${s.name("users")}`,
    (s) => `SELECT * FROM information_schema.tables${s.tail()}`,
    (s) => `EXPLAIN ${s.keyword("PIPELINE")} SELECT * FROM file(${s.text(t.canary)})`,
  ];
}

/** Statements the endpoint must keep answering, however they are spelled. */
const SAFE: { make: (s: Spelling) => string; answer: string }[] = [
  { make: (s) => `${s.keyword("SELECT")}${s.gap()}1 AS x`, answer: "1\n" },
  { make: (s) => `SELECT ${s.text("file(")} AS f${s.gap()}`, answer: "file(\n" },
  { make: (s) => `SELECT${s.gap()}count()${s.gap()}FROM otel_logs`, answer: "0\n" },
  {
    // Function names are case-sensitive: quoting and escapes, not case, may vary.
    make: (s) =>
      `SELECT ${
        s.pick(["getSetting", "`getSetting`", '"getSetting"', "`get\\x53etting`"])
      }('readonly')${s.gap()}`,
    answer: "1\n",
  },
];

/** Hand-written cases of every class in issue #12; `any` = may succeed, must not leak. */
function handWritten(t: Targets): { sql: string; expect: "refused" | "any" }[] {
  const file = `'${t.canary}'`;
  const refused = (sql: string) => ({ sql, expect: "refused" as const });
  const any = (sql: string) => ({ sql, expect: "any" as const });
  return [
    // Nested block comments: ClickHouse nests them; a scanner that does not is fooled.
    any(`SELECT 1 /* /* */ ; SET readonly = 0 */`),
    refused(`SELECT 1 /* /* */ */ ; SET readonly = 0`),
    refused(`SELECT /* /* */ file(${file}) /* */ */ , file(${file})`),
    any(`SELECT 1 /* /* */, file(${file}) -- */`),
    // $$ strings and escapes in quoted identifiers.
    refused(`SELECT $$ ' $$, file(${file})`),
    refused(`SELECT * FROM \`\\x66ile\`(${file}, 'LineAsString')`),
    refused(`SELECT * FROM "f\\x69le"(${file}, 'LineAsString')`),
    refused(`SELECT * FROM \`\\146ile\`(${file}, 'LineAsString')`),
    refused(`SELECT \`\\x66\\x69\\x6c\\x65\`(${file})`),
    refused(`SELECT $$;$$; SYSTEM SHUTDOWN`),
    refused(`SELECT 'it\\'s'; SET max_execution_time = 0`),
    refused(`SELECT '\\\\'; USE system`),
    refused(`SELECT "a;b" FROM otel_logs; DROP TABLE otel_logs`),
    // Table functions and engines that are on no list.
    ...[
      `icebergLocal('${t.watchDir}')`,
      `icebergAzure('${t.http}', 'c', 'b')`,
      `deltaLakeLocal('${t.watchDir}')`,
      `deltaLakeCluster('default', '${t.http}')`,
      `icebergCluster('default', '${t.http}')`,
      `hudi('${t.http}')`,
      `hudiCluster('default', '${t.http}')`,
      `paimon('${t.http}')`,
      `azureBlobStorage('${t.http}', 'c', 'b')`,
      `azureBlobStorageCluster('default', '${t.http}', 'c', 'b')`,
      `hdfs('hdfs://${t.hostPort}/x', 'TSV')`,
      `hdfsCluster('default', 'hdfs://${t.hostPort}/x', 'TSV')`,
      `gcs('${t.http}k.csv')`,
      `oss('${t.http}k.csv')`,
      `cosn('${t.http}k.csv')`,
      `mongodb('${t.hostPort}', 'd', 'c', 'u', 'p', 'x String')`,
      `redis('${t.hostPort}', 'k', 'k String')`,
      `arrowFlight('${t.hostPort}', 'x')`,
      `ytsaurus('${t.http}', '//t', 'x String')`,
      `cluster('default', system.one)`,
      `clusterAllReplicas('default', system.one)`,
      `jdbc('jdbc:x', 't')`,
      `odbc('DSN=x', 't')`,
      `input('a String')`,
      `generateRandom('a String')`,
      `format(TSV, 'a')`,
      `loop(numbers(1))`,
      `dictionary('d')`,
      `timeSeriesData(otel_logs)`,
      `mergeTreeIndex(default, otel_logs)`,
      `fuzzJSON('x', '{}')`,
      `url('file://${t.canary}', 'LineAsString')`,
    ].map((f) => refused(`SELECT * FROM ${f}`)),
    // Plain names that chDB's default database would resolve as files in the working directory
    // (the repository root here): only the engine's readonly stops these.
    refused(`SELECT * FROM Dockerfile`),
    refused(`SELECT * FROM default.Dockerfile`),
    refused(`SELECT count() FROM otel_logs WHERE Body IN Dockerfile`),
    refused(`DESCRIBE TABLE Dockerfile`),
    refused(`DESCRIBE TABLE file(${file})`),
    refused(`DESCRIBE TABLE url('${t.http}', 'CSV')`),
    refused(`DESCRIBE TABLE \`${t.canary}\``),
    // Catalog and other database engines, table engines, dictionaries, functions.
    ...[
      `CREATE DATABASE pwn ENGINE = DataLakeCatalog('${t.http}')`,
      `CREATE DATABASE pwn ENGINE = MySQL('${t.hostPort}', 'd', 'u', 'p')`,
      `CREATE DATABASE pwn ENGINE = PostgreSQL('${t.hostPort}', 'd', 'u', 'p')`,
      `CREATE DATABASE pwn ENGINE = SQLite('${t.canary}')`,
      `CREATE DATABASE pwn ENGINE = S3('${t.http}')`,
      `CREATE DATABASE pwn`,
      `CREATE TABLE pwn (s String) ENGINE = URL('${t.http}', CSV)`,
      `CREATE TABLE pwn (s String) ENGINE = S3('${t.http}k.csv', 'CSV')`,
      `CREATE TABLE pwn (s String) ENGINE = IcebergS3('${t.http}')`,
      `CREATE TABLE pwn (s String) ENGINE = MergeTree ORDER BY s`,
      `CREATE TABLE pwn AS file(${file}, 'LineAsString')`,
      `CREATE TABLE pwn ENGINE = Memory AS SELECT * FROM file(${file}, 'LineAsString')`,
      `CREATE DICTIONARY pwn (k UInt64, v String) PRIMARY KEY k SOURCE(HTTP(url '${t.http}' format 'TSV')) LAYOUT(FLAT()) LIFETIME(0)`,
      `CREATE FUNCTION pwn AS () -> 1`,
      `CREATE VIEW pwn AS SELECT * FROM file(${file})`,
      `CREATE MATERIALIZED VIEW pwn TO otel_logs AS SELECT * FROM otel_logs`,
      `CREATE USER pwn`,
      `GRANT ALL ON *.* TO default`,
      `ALTER TABLE otel_logs DELETE WHERE 1`,
      `ALTER TABLE otel_logs MODIFY SETTING ttl_only_drop_parts = 0`,
      `TRUNCATE TABLE otel_logs`,
      `DETACH TABLE otel_logs`,
      `ATTACH TABLE pwn FROM '${t.watchDir}'`,
      `RENAME TABLE otel_logs TO pwn`,
      `EXCHANGE TABLES otel_logs AND otel_traces`,
      `OPTIMIZE TABLE otel_logs FINAL`,
      `KILL QUERY WHERE 1`,
      `UNDROP TABLE pwn`,
      `CHECK TABLE otel_logs`,
      `BACKUP TABLE otel_logs TO File('${t.watchDir}/b')`,
      `RESTORE TABLE otel_logs FROM File('${t.watchDir}/b')`,
      `SYSTEM FLUSH LOGS`,
      `SYSTEM RELOAD CONFIG`,
      `SYSTEM DROP DNS CACHE`,
      `SYSTEM STOP MERGES`,
      `SET allow_introspection_functions = 1`,
      `SET param_x = 1`,
      `SET ROLE ALL`,
      `USE information_schema`,
      `SHOW CREATE TABLE otel_logs`,
      `WATCH otel_logs`,
      `EXPLAIN AST SELECT 1`,
      `BEGIN TRANSACTION`,
      `DELETE FROM otel_logs WHERE 1`,
      `UPDATE otel_logs SET Body = '' WHERE 1`,
    ].map(refused),
    // SETTINGS inside the text, INTO OUTFILE, INSERT INTO FUNCTION, INFILE.
    refused(`SELECT 1 SETTINGS max_execution_time = 0`),
    refused(`SELECT 1 FORMAT TSV SETTINGS max_execution_time = 0`),
    refused(`SELECT 1 UNION ALL SELECT 2 SETTINGS readonly = 0`),
    refused(`WITH (SELECT 1 SETTINGS readonly = 0) AS x SELECT x`),
    refused(`SELECT * FROM (SELECT 1 SETTINGS allow_introspection_functions = 1)`),
    refused(`DESCRIBE TABLE otel_logs SETTINGS readonly = 0`),
    refused(`SELECT 1 INTO OUTFILE '${t.watchDir}/o1' AND STDOUT`),
    refused(`SELECT 1 INTO OUTFILE '${t.watchDir}/o2' APPEND COMPRESSION 'gzip'`),
    refused(`SELECT * FROM (SELECT 1) INTO OUTFILE 'pwned_relative_2.txt'`),
    refused(`INSERT INTO FUNCTION url('${t.http}', 'CSV', 'a String') SELECT 1`),
    refused(`INSERT INTO FUNCTION remote('${t.hostPort}', default.t) SELECT 1`),
    refused(`INSERT INTO TABLE FUNCTION file('${t.watchDir}/f', 'TSV') SELECT 1`),
    refused(`INSERT INTO otel_logs SETTINGS async_insert = 1 FORMAT TSV`),
    refused(`INSERT INTO system.one FORMAT TSV`),
    refused(`INSERT INTO information_schema.tables FORMAT TSV`),
    refused(`INSERT INTO \`${t.canary}\` FORMAT TSV`),
    refused(`INSERT INTO default.\`${t.watchDir}/new.tsv\` FORMAT TSV`),
    refused(`INSERT INTO tracehouse_migrations FORMAT TSV`),
    refused(`INSERT INTO otel_logs (Body, \`a b\`) FORMAT TSV`),
    refused(`INSERT INTO otel_logs (*) FORMAT TSV`),
    refused(`INSERT INTO otel_logs SELECT * FROM otel_logs`),
    refused(`INSERT INTO otel_logs WITH 1 AS x SELECT *`),
    // Functions that leave the engine or read its state.
    ...[
      `dictGet('d', 'v', 1)`,
      `joinGet('t', 'v', 1)`,
      `filesystemAvailable()`,
      `getMacro('x')`,
      `currentProfiles()`,
      `showCertificate()`,
      `addressToLine(1)`,
      `AIClassify('x', ['a'])`,
      `AIExtract('x', 'y')`,
      `AITranslate('x', 'de')`,
      `evalMLMethod(1, 2)`,
      `getClientHTTPHeader('authorization')`,
      `file('/proc/self/environ')`,
      `file('../../../etc/passwd')`,
    ].map((f) => refused(`SELECT ${f}`)),
    refused(`SELECT * FROM system.zookeeper WHERE path = '/'`),
    refused(`SELECT * FROM system.processes`),
    refused(`SELECT * FROM system.query_log`),
    refused(`SELECT * FROM system.users`),
    refused(`SELECT * FROM system.disks`),
    refused(`SELECT * FROM INFORMATION_SCHEMA.COLUMNS`),
    refused(`SELECT 1 FROM otel_logs WHERE 1 IN information_schema.tables`),
  ];
}

interface Rig {
  endpoint: EndpointProcess;
  targets: Targets;
  baseline: SessionState;
  connections: () => number;
  fsEvents: Deno.FsEvent[];
  /** Whether the canary's access time moves when it is read here (relatime/strictatime). */
  atimeWorks: boolean;
  canaryAtime: number;
  stop(): Promise<void>;
}

async function atimeOf(path: string): Promise<number> {
  return (await Deno.stat(path)).atime!.getTime();
}

async function rig(): Promise<Rig> {
  const watchDir = await Deno.makeTempDir({ prefix: "tracehouse-adversary-" });
  const canary = join(watchDir, "canary.txt");
  const canaryText = `CANARY-${crypto.randomUUID()}`;
  await Deno.writeTextFile(canary, `${canaryText}\n`);
  // Access time well before the modification time: the next read moves it (relatime).
  const old = new Date("2000-01-01T00:00:00Z");
  await Deno.utime(canary, old, new Date());
  const control = join(watchDir, "control.txt");
  await Deno.writeTextFile(control, "control\n");
  await Deno.utime(control, old, new Date());
  await Deno.readTextFile(control);
  const atimeWorks = (await atimeOf(control)) !== old.getTime();
  await Deno.remove(control);

  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  let connections = 0;
  const accepting = (async () => {
    for await (const conn of listener) {
      connections++;
      conn.close();
    }
  })().catch(() => {});
  const hostPort = `127.0.0.1:${listener.addr.port}`;
  const watcher = Deno.watchFs(watchDir, { recursive: true });
  const fsEvents: Deno.FsEvent[] = [];
  const watching = (async () => {
    for await (const event of watcher) fsEvents.push(event);
  })().catch(() => {});

  const endpoint = await startEndpointProcess({ password: PASSWORD, migrate: true });
  const baseline = await endpoint.session();
  return {
    endpoint,
    targets: { canary, canaryText, watchDir, hostPort, http: `http://${hostPort}/` },
    baseline,
    connections: () => connections,
    fsEvents,
    atimeWorks,
    canaryAtime: old.getTime(),
    async stop() {
      await endpoint.close();
      listener.close();
      watcher.close();
      await Promise.all([accepting, watching]);
      await Deno.remove(watchDir, { recursive: true });
    },
  };
}

type Transport = "post" | "get" | "split" | "multipart" | "gzip";

async function send(url: string, sql: string, transport: Transport): Promise<Response> {
  const headers: Record<string, string> = { Authorization: AUTH };
  switch (transport) {
    case "get":
      return await fetch(`${url}/?${new URLSearchParams({ query: sql })}`, { headers });
    case "split": {
      // ClickHouse joins the URL part and the body with a newline: split at a line break or space.
      const at = sql.indexOf(" ", Math.floor(sql.length / 2));
      if (at < 0) return await send(url, sql, "post");
      return await fetch(`${url}/?${new URLSearchParams({ query: sql.slice(0, at) })}`, {
        method: "POST",
        headers,
        body: sql.slice(at + 1),
      });
    }
    case "multipart": {
      const form = new FormData();
      form.set("query", sql);
      return await fetch(`${url}/`, { method: "POST", headers, body: form });
    }
    case "gzip": {
      const body = new Blob([sql]).stream().pipeThrough(new CompressionStream("gzip"));
      return await fetch(`${url}/`, {
        method: "POST",
        headers: { ...headers, "Content-Encoding": "gzip" },
        body: new Uint8Array(await new Response(body).arrayBuffer()),
      });
    }
    default:
      return await fetch(`${url}/`, { method: "POST", headers, body: sql });
  }
}

const TRANSPORTS: Transport[] = ["post", "post", "get", "split", "multipart", "gzip"];

/** Sends one request and checks every invariant; returns the answer. */
async function attack(
  r: Rig,
  sql: string,
  transport: Transport,
  expect: "refused" | "any",
): Promise<{ status: number; text: string }> {
  const response = await send(r.endpoint.url, sql, transport);
  const text = await response.text();
  const context = `\n  seed ${SEED}, ${transport}: ${
    JSON.stringify(sql)
  }\n  -> ${response.status} ${text.slice(0, 300)}`;
  if (expect === "refused") assert.ok(response.status >= 400, `accepted${context}`);
  assert.ok(!text.includes(r.targets.canaryText), `canary text in the answer${context}`);
  assert.deepEqual(await r.endpoint.session(), r.baseline, `session changed${context}`);
  assert.equal(r.connections(), 0, `outbound connection${context}`);
  return { status: response.status, text };
}

Deno.test({
  name: "clickhouse http adversary: hostile requests are refused and leave no trace",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const r = await rig();
    const rand = random(SEED);
    const spelling = new Spelling(rand);
    let sent = 0;
    try {
      for (const { sql, expect } of handWritten(r.targets)) {
        await attack(r, sql, "post", expect);
        sent++;
      }
      const templates = hostileTemplates(r.targets);
      for (const make of templates) {
        await attack(r, make(spelling), "post", "refused");
        sent++;
      }
      for (let i = 0; i < FUZZ_HOSTILE; i++) {
        const sql = spelling.pick(templates)(spelling) + spelling.tail();
        await attack(r, sql, spelling.pick(TRANSPORTS), "refused");
        sent++;
      }
      // The same spellings of harmless statements still work: the refusals above are not blanket.
      for (let i = 0; i < FUZZ_SAFE; i++) {
        const safe = spelling.pick(SAFE);
        const sql = safe.make(spelling);
        const transport = spelling.pick(TRANSPORTS.filter((t) => t !== "split"));
        const { status, text } = await attack(r, sql, transport, "any");
        // Look-alike and zero-width spellings of a function name are refused, not misread.
        if ([...sql].some((c) => c.charCodeAt(0) > 0x7f)) continue;
        assert.equal(status, 200, `seed ${SEED}: ${JSON.stringify(sql)} -> ${text}`);
        assert.equal(text, safe.answer, `seed ${SEED}: ${JSON.stringify(sql)}`);
      }
      sent += FUZZ_SAFE;
      assert.ok(sent >= 300, `only ${sent} requests`);

      // Nothing read or written outside the data directory, nothing reached over the network.
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.deepEqual(r.fsEvents, [], "files changed in the watched directory");
      for (const name of ["pwned_relative.txt", "pwned_relative_2.txt"]) {
        assert.ok(!(await exists(name)), `${name} was written in the working directory`);
        assert.ok(!(await exists(join(r.endpoint.dataDir, name))), `${name} in the data dir`);
      }
      if (r.atimeWorks) {
        assert.equal(await atimeOf(r.targets.canary), r.canaryAtime, "the canary was read");
      } else {
        console.warn("access times do not move on this file system: canary read by text only");
      }
      assert.equal(r.connections(), 0);
      assert.ok(r.endpoint.alive(), r.endpoint.stderr());
    } finally {
      await r.stop();
    }
  },
});

Deno.test({
  name: "clickhouse http adversary: settings, parameters and credentials as attack vectors",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const r = await rig();
    const url = r.endpoint.url;
    const get = (params: Record<string, string>, headers: Record<string, string> = {}) =>
      fetch(`${url}/?${new URLSearchParams(params)}`, {
        headers: { Authorization: AUTH, ...headers },
      });
    const check = async (response: Response, status: number | "error", pattern: RegExp) => {
      const text = await response.text();
      if (status === "error") assert.ok(response.status >= 400, text);
      else assert.equal(response.status, status, text);
      assert.match(text, pattern);
      assert.ok(!text.includes(r.targets.canaryText));
      assert.deepEqual(await r.endpoint.session(), r.baseline);
    };
    try {
      // Settings that widen rights, name files, or are unknown: refused by name.
      for (
        const [name, value] of [
          ["readonly", "0"],
          ["allow_ddl", "1"],
          ["allow_introspection_functions", "1"],
          ["format_schema", r.targets.canary],
          ["format_template_resultset", r.targets.canary],
          ["input_format_record_errors_file_path", join(r.targets.watchDir, "e")],
          ["user_files_path", "/"],
          ["profile", "default"],
          ["max_server_memory_usage", "0"],
          ["use_query_cache", "1"],
          ["allow_experimental_analyzer", "0"],
          ["http_response_headers", "{}"],
          ["add_http_cors_header", "1"],
          ["Max_Execution_Time", "0"],
        ]
      ) {
        await check(await get({ query: "SELECT 1", [name]: value }), "error", /Setting|setting/);
      }
      // max_execution_time is bounded: 0 ("unlimited") and huge values become the bound.
      for (const value of ["0", "99999999", "-1", "1e9", "nan"]) {
        const response = await get({
          query: "SELECT getSetting('max_execution_time')",
          max_execution_time: value,
        });
        await check(response, 200, /^60\n$/);
      }
      // A setting value that tries to end the clause is a string literal, nothing more.
      await check(
        await get({
          query: "SELECT getSetting('log_comment')",
          log_comment: "x', readonly = 0 --",
        }),
        200,
        /^x.*', readonly = 0 --\n$/,
      );
      await check(
        await get({ query: "SELECT 1", session_timezone: "UTC'; SYSTEM SHUTDOWN; --" }),
        "error",
        /./,
      );
      // Identifier parameters are substituted before the allow-list looks at the tree.
      for (const t of [r.targets.canary, "system.zookeeper", "information_schema.tables"]) {
        await check(
          await get({ query: "SELECT * FROM {t:Identifier}", param_t: t }),
          403,
          /ACCESS_DENIED/,
        );
      }
      await check(
        await get({
          query: "SELECT {s:String}",
          param_s: "'); SYSTEM SHUTDOWN; --",
          default_format: "TSVRaw",
        }),
        200,
        /^'\); SYSTEM SHUTDOWN; --\n$/,
      );
      // Databases other than Tracehouse's own, by parameter or header.
      await check(await get({ query: "SELECT 1", database: "system" }), 403, /not open/);
      await check(
        await get({ query: "SELECT 1" }, { "X-ClickHouse-Database": "information_schema" }),
        403,
        /not open/,
      );
      await check(await get({ query: "SELECT 1", session_id: "s" }), 501, /Sessions/);

      // Credentials: missing, wrong, empty; no engine text for callers without them.
      const noAuth = await fetch(`${url}/?query=SELECT+*+FROM+no_such_table`);
      const noAuthText = await noAuth.text();
      assert.equal(noAuth.status, 403);
      assert.doesNotMatch(noAuthText, /no_such_table|UNKNOWN_TABLE|DB::Exception: [^:]*Syntax/);
      for (
        const authorization of [
          `Basic ${btoa("default:")}`,
          `Basic ${btoa(`default:${PASSWORD}x`)}`,
          `Basic ${btoa(`other:${PASSWORD}`)}`,
          `Basic ${btoa(`default:${PASSWORD.slice(0, -1)}`)}`,
          `Bearer ${PASSWORD}`,
          "Basic !!!",
        ]
      ) {
        const response = await fetch(`${url}/?query=SELEC+1`, {
          headers: { Authorization: authorization },
        });
        const text = await response.text();
        assert.equal(response.status, 403, authorization);
        assert.doesNotMatch(text, /Syntax|SELEC/);
      }
      // Cross-site browser requests: a text/plain POST needs no preflight, so Origin decides.
      for (
        const headers of <Record<string, string>[]> [
          { Origin: "https://evil.example" },
          { Origin: "null" },
          { "Sec-Fetch-Site": "cross-site" },
          { "Sec-Fetch-Site": "same-site" },
          { Origin: "http://127.0.0.1:1", "Sec-Fetch-Site": "cross-site" },
        ]
      ) {
        const response = await fetch(`${url}/`, {
          method: "POST",
          headers: { ...headers, "Content-Type": "text/plain", Authorization: AUTH },
          body: "SELECT 1",
        });
        await check(response, 403, /Cross-site request refused/);
      }
      assert.equal(r.connections(), 0);
    } finally {
      await r.stop();
    }
  },
});

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}
