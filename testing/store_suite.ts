/**
 * One behavioural test suite for every {@linkcode Store} engine, so the
 * embedded and the remote engine are held to the same contract.
 *
 * @module
 */
import assert from "node:assert/strict";
import { type MapColumn, NativeBlockBuilder, type ScalarColumn } from "../sql/native/mod.ts";
import { ClickHouseError, type ColumnSpec, type Store } from "../sql/store.ts";

/** Opens a fresh store for one test; the suite closes it. */
export type StoreFactory = () => Promise<Store>;

const SPAN_COLUMNS: ColumnSpec[] = [
  { name: "Timestamp", type: "DateTime64(9)" },
  { name: "TraceId", type: "String" },
  { name: "ServiceName", type: "LowCardinality(String)" },
  { name: "Duration", type: "UInt64" },
  { name: "StatusCode", type: "LowCardinality(String)" },
  { name: "Attributes", type: "Map(LowCardinality(String), String)" },
  { name: "Events.Timestamp", type: "Array(DateTime64(9))" },
  { name: "Events.Attributes", type: "Array(Map(LowCardinality(String), String))" },
  { name: "Score", type: "Float64" },
  { name: "Flags", type: "UInt32" },
];

const SPAN_TABLE = `CREATE TABLE IF NOT EXISTS suite_spans (
  Timestamp DateTime64(9) CODEC(Delta, ZSTD(1)),
  TraceId String CODEC(ZSTD(1)),
  ServiceName LowCardinality(String),
  Duration UInt64,
  StatusCode LowCardinality(String),
  Attributes Map(LowCardinality(String), String),
  Events Nested (Timestamp DateTime64(9), Attributes Map(LowCardinality(String), String)),
  Score Float64,
  Flags UInt32
) ENGINE = MergeTree ORDER BY (ServiceName, Timestamp)`;

function spanRow(i: number): Record<string, unknown> {
  return {
    Timestamp: 1_700_000_000_000_000_000n + BigInt(i) * 1000n,
    TraceId: i.toString(16).padStart(32, "0"),
    ServiceName: `svc-${i % 5}`,
    Duration: BigInt(i) * 10n,
    StatusCode: i % 10 === 0 ? "Error" : "Ok",
    Attributes: { "http.route": `/r/${i % 3}`, "quote'key": "va\\l\tue\n", "ünï": "😀" },
    "Events.Timestamp": [1_700_000_000_000_000_001n],
    "Events.Attributes": [{ "exception.type": "E" }],
    Score: i / 4,
    Flags: i % 256,
  };
}

/** Awaits `promise`, asserts it rejects with an instance of `type`, returns the error. */
export async function rejection<E extends Error>(
  promise: Promise<unknown>,
  type: new (...args: never[]) => E,
): Promise<E> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof type, `expected ${type.name}, got ${error}`);
    return error;
  }
  throw new assert.AssertionError({ message: `expected a ${type.name} rejection` });
}

/** Registers the shared suite under `name`. */
export function defineStoreTests(name: string, open: StoreFactory): void {
  const test = (title: string, fn: (store: Store) => Promise<void>) =>
    Deno.test({
      name: `${name}: ${title}`,
      sanitizeResources: false,
      sanitizeOps: false,
      async fn() {
        const store = await open();
        try {
          await fn(store);
        } finally {
          await store.close();
        }
      },
    });

  test("binds parameters of every kind without interpolation", async (store) => {
    const tricky = `it's a \\ "test"\t\n'; DROP TABLE x; --`;
    const [row] = await store.query<Record<string, unknown>>(
      `SELECT {s:String} AS s, {n:UInt64} AS n, {f:Float64} AS f, {a:Array(String)} AS a,
        {m:Map(String, String)} AS m, {b:Bool} AS b, {big:Int64} AS big`,
      {
        params: {
          s: tricky,
          n: 42,
          f: 1.5,
          a: ["x", "y'z", "\\"],
          m: { "k'": "v\\" },
          b: true,
          big: 9007199254740993n,
        },
      },
    );
    assert.deepEqual(row.s, tricky);
    assert.deepEqual(row.n, "42"); // 64-bit integers travel as strings
    assert.deepEqual(row.f, 1.5);
    assert.deepEqual(row.a, ["x", "y'z", "\\"]);
    assert.deepEqual(row.m, { "k'": "v\\" });
    assert.deepEqual(row.b, true);
    assert.deepEqual(row.big, "9007199254740993");
  });

  test("malformed SQL raises ClickHouseError and the store stays usable", async (store) => {
    const error = await rejection(store.query("SELEC 1"), ClickHouseError);
    assert.deepEqual(error.code, 62);
    assert.deepEqual(error.type, "SYNTAX_ERROR");
    assert.ok(error.message.includes("Syntax error"), error.message);
    const missing = await rejection(
      store.query("SELECT * FROM no_such_table_anywhere"),
      ClickHouseError,
    );
    assert.deepEqual(missing.code, 60);
    assert.deepEqual(await store.query("SELECT 1 AS one"), [{ one: 1 }]);
  });

  test("per-call settings apply to that call only", async (store) => {
    const [withSetting] = await store.query<{ v: string }>(
      "SELECT getSetting('max_result_rows') AS v",
      { settings: { max_result_rows: 12345 } },
    );
    assert.deepEqual(String(withSetting.v), "12345");
    const [after] = await store.query<{ v: string }>("SELECT getSetting('max_result_rows') AS v");
    assert.deepEqual(String(after.v), "0");
    await rejection(
      store.query("SELECT number FROM numbers(1000)", {
        settings: { max_result_rows: 10, result_overflow_mode: "throw" },
      }),
      ClickHouseError,
    );
  });

  test("inserts rows of every column type and reads them back", async (store) => {
    await store.command("DROP TABLE IF EXISTS suite_spans");
    await store.command(SPAN_TABLE);
    await store.insert("suite_spans", [spanRow(1), spanRow(10)], { columns: SPAN_COLUMNS });
    const rows = await store.query<Record<string, unknown>>(
      "SELECT *, toUnixTimestamp64Nano(Timestamp) AS ns FROM suite_spans ORDER BY Timestamp",
    );
    assert.deepEqual(rows.length, 2);
    assert.deepEqual(rows[0].ns, "1700000000000001000");
    assert.deepEqual(rows[0].TraceId, "1".padStart(32, "0"));
    assert.deepEqual(rows[0].ServiceName, "svc-1");
    assert.deepEqual(rows[1].StatusCode, "Error");
    assert.deepEqual(rows[0].Attributes, {
      "http.route": "/r/1",
      "quote'key": "va\\l\tue\n",
      "ünï": "😀",
    });
    assert.deepEqual(rows[0]["Events.Attributes"], [{ "exception.type": "E" }]);
    assert.deepEqual(rows[1].Score, 2.5);
    assert.deepEqual(rows[1].Flags, 10);
    assert.deepEqual(rows[1].Duration, "100");
  });

  test("inserts a ready Native block, the same rows as row objects", async (store) => {
    await store.command("DROP TABLE IF EXISTS suite_spans");
    await store.command(SPAN_TABLE);
    const builder = new NativeBlockBuilder(SPAN_COLUMNS);
    // Typed appends for the first row, row objects for the rest: one block either way.
    const first = spanRow(1);
    (builder.column("Timestamp") as ScalarColumn).out.i64(first.Timestamp as bigint);
    (builder.column("TraceId") as ScalarColumn).out.string(first.TraceId as string);
    (builder.column("ServiceName") as ScalarColumn).out.string(first.ServiceName as string);
    (builder.column("Duration") as ScalarColumn).out.u64n(10);
    (builder.column("StatusCode") as ScalarColumn).out.string("Ok");
    (builder.column("Attributes") as MapColumn).strings(
      Object.entries(first.Attributes as Record<string, string>),
    );
    for (const name of ["Events.Timestamp", "Events.Attributes"]) {
      builder.column(name).append(first[name]);
    }
    (builder.column("Score") as ScalarColumn).out.float(8, 0.25);
    (builder.column("Flags") as ScalarColumn).out.int(4, 1);
    builder.endRow();
    for (let i = 2; i <= 1000; i++) builder.appendRow(spanRow(i));
    // A failed mapping is rolled back and leaves no trace in the block.
    const mark = builder.mark();
    builder.appendRow(spanRow(5000));
    builder.rollback(mark);
    await store.insert("suite_spans", { native: builder.finish(), rows: builder.rows }, {
      columns: SPAN_COLUMNS,
    });
    await store.insert("suite_spans", { native: new Uint8Array(0), rows: 0 }, {
      columns: SPAN_COLUMNS,
    });
    await store.insert("suite_spans", Array.from({ length: 1000 }, (_, i) => spanRow(i + 1)), {
      columns: SPAN_COLUMNS,
    });
    const [check] = await store.query<{ n: string; pairs: string; lonely: string }>(
      `SELECT count() AS n, uniqExact(cityHash64(*)) AS pairs,
        (SELECT count() FROM (SELECT cityHash64(*) AS h, count() AS c FROM suite_spans
          GROUP BY h HAVING c != 2)) AS lonely
       FROM suite_spans`,
    );
    assert.deepEqual(check, { n: "2000", pairs: "1000", lonely: "0" });
  });

  test("200,000 rows insert with none lost", async (store) => {
    await store.command("DROP TABLE IF EXISTS suite_spans");
    await store.command(SPAN_TABLE);
    const batch = Array.from({ length: 50_000 }, (_, i) => i);
    for (let part = 0; part < 4; part++) {
      await store.insert("suite_spans", batch.map((i) => spanRow(part * 50_000 + i)), {
        columns: SPAN_COLUMNS,
      });
    }
    const [stats] = await store.query<{ n: string; u: string; d: string }>(
      "SELECT count() AS n, uniqExact(TraceId) AS u, sum(Duration) AS d FROM suite_spans",
    );
    assert.deepEqual(stats.n, "200000");
    assert.deepEqual(stats.u, "200000");
    assert.deepEqual(stats.d, String((199_999n * 200_000n / 2n) * 10n));
  });

  test("concurrent queries all complete with their own answers", async (store) => {
    const answers = await Promise.all(
      Array.from(
        { length: 50 },
        (_, i) =>
          store.query<{ v: string }>(
            "SELECT toString(sum(number) + {i:UInt32}) AS v FROM numbers(10000)",
            {
              params: { i },
            },
          ),
      ),
    );
    answers.forEach(([row], i) => assert.deepEqual(row.v, String(49_995_000 + i)));
  });

  test("reports rows read", async (store) => {
    const { rows, stats } = await store.queryWithStats(
      "SELECT sum(number) AS c FROM numbers(100000) WHERE number % 2 = 0",
    );
    assert.deepEqual(rows, [{ c: "2499950000" }]);
    assert.ok(stats.rowsRead >= 100_000, `rowsRead ${stats.rowsRead}`);
  });

  test("rejects invalid identifiers and parameter names", async (store) => {
    await rejection(
      store.insert("x; DROP TABLE y", [{ a: 1 }], { columns: [{ name: "a", type: "UInt8" }] }),
      TypeError,
    );
    await rejection(store.query("SELECT 1", { params: { "a b": 1 } }), TypeError);
    await rejection(store.query("SELECT 1", { settings: { "x=1;": 1 } }), TypeError);
  });
}
