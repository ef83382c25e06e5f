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
];

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
