import assert from "node:assert/strict";
import { resolveConfig } from "./config.ts";
import { resetWarnings, setWarnSink } from "./warn.ts";

function capture<T>(fn: () => T): [T, string[]] {
  const warnings: string[] = [];
  resetWarnings();
  const previous = setWarnSink((m) => warnings.push(m));
  try {
    return [fn(), warnings];
  } finally {
    setWarnSink(previous);
  }
}

Deno.test("defaults: localhost:4318, http/protobuf, parentbased_always_on", () => {
  const [config, warnings] = capture(() => resolveConfig({}, {}));
  assert.equal(config.tracesUrl, "http://localhost:4318/v1/traces");
  assert.equal(config.metricsUrl, "http://localhost:4318/v1/metrics");
  assert.equal(config.logsUrl, "http://localhost:4318/v1/logs");
  assert.equal(config.protocol, "http/protobuf");
  assert.equal(config.sampler, "parentbased_always_on");
  assert.equal(config.serviceName, "unknown_service");
  assert.equal(config.disabled, false);
  assert.deepEqual(warnings, []);
});

Deno.test("standard OTEL_* variables are read", () => {
  const config = resolveConfig({}, {
    OTEL_SERVICE_NAME: "billing",
    OTEL_RESOURCE_ATTRIBUTES: "deployment.environment=prod,team=pay%20ments",
    OTEL_EXPORTER_OTLP_ENDPOINT: "https://otel.example.com:4318/",
    OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: "https://logs.example.com/custom",
    OTEL_EXPORTER_OTLP_HEADERS: "authorization=Bearer%20x,x-tenant=7",
    OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
    OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
    OTEL_TRACES_SAMPLER_ARG: "0.25",
    OTEL_SDK_DISABLED: "false",
    OTEL_EXPORTER_OTLP_TIMEOUT: "2500",
  });
  assert.equal(config.serviceName, "billing");
  assert.equal(config.resourceAttributes["deployment.environment"], "prod");
  assert.equal(config.resourceAttributes.team, "pay ments");
  assert.equal(config.resourceAttributes["service.name"], "billing");
  assert.equal(config.tracesUrl, "https://otel.example.com:4318/v1/traces");
  assert.equal(config.logsUrl, "https://logs.example.com/custom");
  assert.deepEqual(config.headers, { authorization: "Bearer x", "x-tenant": "7" });
  assert.equal(config.protocol, "http/json");
  assert.equal(config.sampler, "parentbased_traceidratio");
  assert.equal(config.samplerArg, 0.25);
  assert.equal(config.exportTimeoutMillis, 2500);
});

Deno.test("options win over the environment", () => {
  const config = resolveConfig(
    { serviceName: "api", endpoint: "http://127.0.0.1:9999", headers: { "x-tenant": "9" } },
    {
      OTEL_SERVICE_NAME: "env-name",
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://other:4318",
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://traces:4318/v1/traces",
      OTEL_EXPORTER_OTLP_HEADERS: "x-tenant=7,x-env=1",
    },
  );
  assert.equal(config.serviceName, "api");
  assert.equal(config.tracesUrl, "http://127.0.0.1:9999/v1/traces");
  assert.deepEqual(config.headers, { "x-tenant": "9", "x-env": "1" });
});

Deno.test("OTEL_SDK_DISABLED=true disables", () => {
  assert.equal(resolveConfig({}, { OTEL_SDK_DISABLED: "TRUE" }).disabled, true);
  assert.equal(resolveConfig({ disabled: false }, { OTEL_SDK_DISABLED: "true" }).disabled, false);
});

Deno.test("invalid values warn and fall back, never throw", () => {
  const [config, warnings] = capture(() =>
    resolveConfig({}, {
      OTEL_EXPORTER_OTLP_ENDPOINT: "not a url",
      OTEL_EXPORTER_OTLP_PROTOCOL: "grpc",
      OTEL_TRACES_SAMPLER: "sometimes",
      OTEL_TRACES_SAMPLER_ARG: "2",
      OTEL_SDK_DISABLED: "yes",
      OTEL_RESOURCE_ATTRIBUTES: "novalue,=x,ok=1,bad=%E0%A4%A",
      OTEL_METRIC_EXPORT_INTERVAL: "-5",
    })
  );
  assert.equal(config.tracesUrl, "http://localhost:4318/v1/traces");
  assert.equal(config.protocol, "http/protobuf");
  assert.equal(config.sampler, "parentbased_always_on");
  assert.equal(config.samplerArg, 1);
  assert.equal(config.disabled, false);
  assert.equal(config.resourceAttributes.ok, "1");
  assert.equal(config.metricExportIntervalMillis, 60_000);
  const text = warnings.join("\n");
  for (
    const needle of [
      "OTEL_EXPORTER_OTLP_ENDPOINT",
      'protocol "grpc"',
      'sampler "sometimes"',
      'sampler argument "2"',
      "OTEL_SDK_DISABLED",
      "OTEL_RESOURCE_ATTRIBUTES",
      "OTEL_METRIC_EXPORT_INTERVAL",
    ]
  ) {
    assert.ok(text.includes(needle), `expected a warning about ${needle} in:\n${text}`);
  }
});
