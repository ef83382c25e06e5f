import assert from "node:assert/strict";
import {
  ConfigError,
  DEFAULT_CONFIG,
  markdownTable,
  OPTIONS,
  optionsHelp,
  parseCommandLine,
} from "./config.ts";

Deno.test("config: defaults bind to localhost with the embedded engine", () => {
  const { command, config } = parseCommandLine([], {});
  assert.equal(command, "serve");
  assert.deepEqual(config, DEFAULT_CONFIG);
  assert.equal(config.host, "127.0.0.1");
  assert.equal(config.clickhouseUrl, null);
});

Deno.test("config: variables apply and flags win over them", () => {
  const { config } = parseCommandLine(["serve", "--port", "9001", "--retention-logs-days", "3"], {
    TRACEHOUSE_PORT: "9000",
    TRACEHOUSE_DATA: "/tmp/x",
    TRACEHOUSE_RETENTION_TRACES_DAYS: "14",
    CLICKHOUSE_URL: "http://127.0.0.1:8123",
    CLICKHOUSE_CLUSTER: "main",
    TRACEHOUSE_CLICKHOUSE_HTTP: "127.0.0.1:8124",
  });
  assert.equal(config.port, 9001);
  assert.equal(config.dataDir, "/tmp/x");
  assert.deepEqual(config.retentionDays, { traces: 14, logs: 3, metrics: 30 });
  assert.equal(config.clickhouseUrl, "http://127.0.0.1:8123");
  assert.equal(config.clickhouseCluster, "main");
  assert.deepEqual(config.clickhouseHttp, { hostname: "127.0.0.1", port: 8124 });
  assert.deepEqual(DEFAULT_CONFIG.retentionDays, { traces: 7, logs: 7, metrics: 30 });
});

Deno.test("config: positional arguments follow the subcommand", () => {
  const { command, args, help } = parseCommandLine(["migrate", "extra", "--help"], {});
  assert.equal(command, "migrate");
  assert.deepEqual(args, ["extra"]);
  assert.equal(help, true);
});

const invalid: [string[], Record<string, string>, RegExp][] = [
  [[], { TRACEHOUSE_PORT: "http" }, /Invalid TRACEHOUSE_PORT "http"/],
  [["--port", "70000"], {}, /Invalid --port "70000": expected a port number/],
  [["--otlp-port=-1"], {}, /Invalid --otlp-port "-1"/],
  [[], { TRACEHOUSE_RETENTION_LOGS_DAYS: "0" }, /Invalid TRACEHOUSE_RETENTION_LOGS_DAYS "0"/],
  [[], { CLICKHOUSE_URL: "ftp://x" }, /Invalid CLICKHOUSE_URL "ftp:\/\/x"/],
  [[], { CLICKHOUSE_DATABASE: "x; DROP" }, /Invalid CLICKHOUSE_DATABASE/],
  [["--clickhouse-cluster", "a-b"], {}, /Invalid --clickhouse-cluster "a-b"/],
  [["--clickhouse-http", "8123"], {}, /Invalid --clickhouse-http "8123": expected host:port/],
  [["--host", "a b"], {}, /Invalid --host "a b"/],
  [["--no-such-flag"], {}, /no-such-flag/],
  [["--batch-max-rows-while-queried=-5"], {}, /Invalid --batch-max-rows-while-queried "-5"/],
  [[], { TRACEHOUSE_CLICKHOUSE_HTTP_MAX_EXECUTION_SECONDS: "0" }, /MAX_EXECUTION_SECONDS "0"/],
  [["--engine-merge-nice", "20"], {}, /Invalid --engine-merge-nice "20"/],
  [[], { TRACEHOUSE_ENGINE_MERGE_NICE: "-1" }, /Invalid TRACEHOUSE_ENGINE_MERGE_NICE "-1"/],
  [["--engine-connections", "pool"], {}, /Invalid --engine-connections "pool": expected per-lane/],
  [["--engine-lane-nice", "ingest=20"], {}, /Invalid --engine-lane-nice "ingest=20": bad pair/],
  [["--engine-lane-nice", "ingest=-1"], {}, /bad pair "ingest=-1"/],
  [[], { TRACEHOUSE_ENGINE_LANE_NICE: "merges=3" }, /TRACEHOUSE_ENGINE_LANE_NICE "merges=3"/],
  [["--engine-lane-nice", "ingest=1,ingest=2"], {}, /bad pair "ingest=2"/],
  [["--engine-lane-nice", ""], {}, /bad pair ""/],
  [["--otlp-thread", "yes"], {}, /Invalid --otlp-thread "yes": expected on or off/],
];

Deno.test("config: slicing inserts and the endpoint's time bound", () => {
  const { config } = parseCommandLine(["--batch-max-rows-while-queried", "0"], {
    TRACEHOUSE_CLICKHOUSE_HTTP_MAX_EXECUTION_SECONDS: "2",
  });
  assert.equal(config.batchMaxRowsWhileQueried, 0);
  assert.equal(config.clickhouseHttpMaxExecutionSeconds, 2);
  assert.equal(DEFAULT_CONFIG.clickhouseHttpMaxExecutionSeconds, 60);
});

Deno.test("config: the engine's merge threads' nice value", () => {
  assert.equal(DEFAULT_CONFIG.engineMergeNice, 10);
  assert.equal(parseCommandLine(["--engine-merge-nice", "0"], {}).config.engineMergeNice, 0);
  assert.equal(
    parseCommandLine([], { TRACEHOUSE_ENGINE_MERGE_NICE: "19" }).config.engineMergeNice,
    19,
  );
});

Deno.test("config: engine connections and each lane's nice value", () => {
  assert.equal(DEFAULT_CONFIG.engineConnections, "per-lane");
  assert.deepEqual(DEFAULT_CONFIG.engineLaneNice, {
    ingest: 5,
    interactive: 0,
    alerts: 0,
    background: 19,
    endpoint: 19,
  });
  const { config } = parseCommandLine(
    ["--engine-connections", "shared", "--engine-lane-nice", " ingest=0, endpoint=19"],
    {},
  );
  assert.equal(config.engineConnections, "shared");
  assert.equal(DEFAULT_CONFIG.otlpThread, true);
  assert.equal(parseCommandLine(["--otlp-thread", "off"], {}).config.otlpThread, false);
  // Lanes not named keep their default.
  assert.deepEqual(config.engineLaneNice, {
    ...DEFAULT_CONFIG.engineLaneNice,
    ingest: 0,
    endpoint: 19,
  });
  assert.equal(
    parseCommandLine([], { TRACEHOUSE_ENGINE_LANE_NICE: "alerts=3" }).config.engineLaneNice.alerts,
    3,
  );
});

for (const [argv, env, message] of invalid) {
  Deno.test(`config: rejects ${JSON.stringify(argv)} ${JSON.stringify(env)}`, () => {
    assert.throws(() => parseCommandLine(argv, env), (error: Error) => {
      assert.ok(error instanceof ConfigError, String(error));
      assert.match(error.message, message);
      return true;
    });
  });
}

Deno.test("config: --help lists every option with its variable", () => {
  const help = optionsHelp();
  for (const option of OPTIONS) {
    assert.ok(help.includes(`--${option.flag}`), option.flag);
    assert.ok(help.includes(option.env), option.env);
  }
});

Deno.test("config: the README's table matches the options", async () => {
  const readme = await Deno.readTextFile(new URL("./README.md", import.meta.url));
  const table = /<!-- config-table:start -->([\s\S]*?)<!-- config-table:end -->/.exec(readme)?.[1];
  // `deno fmt` pads the cells; compare the cells, not the padding.
  const cells = (markdown = "") =>
    markdown.trim().split("\n").map((line) =>
      line.replace(/\s*\|\s*/g, "|").replace(/-{3,}/g, "---")
    );
  assert.deepEqual(
    cells(table),
    cells(markdownTable()),
    "README.md is out of date: paste the output of `deno eval 'import {markdownTable} from \"./config.ts\"; console.log(markdownTable())'`",
  );
});

Deno.test("config: the gRPC receiver can be turned off", () => {
  assert.equal(parseCommandLine(["--otlp-grpc-port", "off"], {}).config.otlpGrpcPort, null);
  assert.equal(parseCommandLine([], { TRACEHOUSE_OTLP_GRPC_PORT: "0" }).config.otlpGrpcPort, 0);
  assert.equal(parseCommandLine([], {}).config.otlpGrpcPort, 4317);
});

Deno.test("config: secrets from files stay out of argv; their errors name the file, not the secret", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tracehouse-files-" });
  const file = (name: string, text: string) => {
    const path = `${dir}/${name}`;
    Deno.writeTextFileSync(path, text);
    return path;
  };
  const { config } = parseCommandLine(
    ["--query-token-file", file("query", "q-secret\n")],
    {
      TRACEHOUSE_INGEST_TOKEN_FILE: file("ingest", "i-secret"),
      CLICKHOUSE_PASSWORD_FILE: file("password", "p-secret\r\n"),
      TRACEHOUSE_CLICKHOUSE_HTTP_PASSWORD_FILE: file("endpoint", "e-secret\n"),
      TRACEHOUSE_QUERY_TOKEN: "overridden-by-the-file",
    },
  );
  assert.equal(config.queryToken, "q-secret");
  assert.equal(config.ingestToken, "i-secret");
  assert.equal(config.clickhousePassword, "p-secret");
  assert.equal(config.clickhouseHttpPassword, "e-secret");
  for (
    const [argv, message] of [
      [["--ingest-token-file", `${dir}/missing`], /Cannot read --ingest-token-file ".*missing"/],
      [["--query-token-file", file("empty", "\n")], /expected one non-empty line/],
      [["--query-token-file", file("two", "a\nb\n")], /expected one non-empty line/],
    ] as [string[], RegExp][]
  ) {
    assert.throws(() => parseCommandLine(argv, {}), (error: Error) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, message);
      assert.doesNotMatch(error.message, /[qi]-secret/);
      return true;
    });
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("config: doors options", () => {
  const { config } = parseCommandLine(
    ["--allowed-hosts", "traces.example.com, .corp.example", "--allow-insecure-bind"],
    {
      TRACEHOUSE_OTLP_CORS_ORIGINS: "https://app.example,http://localhost:*",
      TRACEHOUSE_HEADERS_TIMEOUT_MS: "5000",
      TRACEHOUSE_MAX_CONNECTIONS: "64",
    },
  );
  assert.deepEqual(config.allowedHosts, ["traces.example.com", ".corp.example"]);
  assert.deepEqual(config.otlpCorsOrigins, ["https://app.example", "http://localhost:*"]);
  assert.equal(config.allowInsecureBind, true);
  assert.equal(config.headersTimeoutMs, 5000);
  assert.equal(config.maxConnections, 64);
  assert.equal(
    parseCommandLine([], { TRACEHOUSE_ALLOW_INSECURE_BIND: "false" }).config.allowInsecureBind,
    false,
  );
  assert.equal(DEFAULT_CONFIG.allowInsecureBind, false);
  for (
    const [env, message] of [
      [{ TRACEHOUSE_ALLOWED_HOSTS: "a b" }, /Invalid TRACEHOUSE_ALLOWED_HOSTS "a b"/],
      [{ TRACEHOUSE_OTLP_CORS_ORIGINS: "evil.example" }, /expected origins/],
      [{ TRACEHOUSE_ALLOW_INSECURE_BIND: "maybe" }, /expected true or false/],
      [{ TRACEHOUSE_HEADERS_TIMEOUT_MS: "5" }, /from 100 to/],
      [{ CLICKHOUSE_URL: "ftp://u:hunter2@x" }, /Invalid CLICKHOUSE_URL "ftp:\/\/\*\*\*@x"/],
    ] as [Record<string, string>, RegExp][]
  ) {
    assert.throws(() => parseCommandLine([], env), (error: Error) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, message);
      assert.doesNotMatch(error.message, /hunter2/);
      return true;
    });
  }
});
