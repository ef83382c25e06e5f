/**
 * Test support for the CLI: runs `main.ts <command>` as a child process, as a
 * user's shell would (stdout is a pipe, so no colours), and sends telemetry to
 * a running Tracehouse with the OpenTelemetry JS SDK.
 *
 * @module
 */
import { context, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { SeverityNumber } from "@opentelemetry/api-logs";
import { OTLPLogExporter } from "@opentelemetry/exporter-logs-otlp-proto";
import { OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-proto";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchLogRecordProcessor, LoggerProvider } from "@opentelemetry/sdk-logs";
import { MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import { BatchSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";

const MAIN = new URL("../main.ts", import.meta.url).pathname;

/** What a CLI run printed and how it ended. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `main.ts ...args` with `env` (and PATH/HOME) to completion. */
export async function runCli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    env: { PATH: Deno.env.get("PATH") ?? "", HOME: Deno.env.get("HOME") ?? "", ...env },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}

/** Starts `main.ts ...args` and hands back the child with piped output. */
export function spawnCli(args: string[], env: Record<string, string> = {}): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    env: { PATH: Deno.env.get("PATH") ?? "", HOME: Deno.env.get("HOME") ?? "", ...env },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** The ids the fixture sent, to compare the CLI's answers with. */
export interface SentTelemetry {
  checkoutTraces: string[];
  errorTraces: string[];
  slowTraces: string[];
}

/**
 * Sends through the SDK: 25 `checkout` traces (`POST /orders` → `charge card`, every fifth an
 * error, with a log each), 5 slow `inventory` traces (600 ms), and a histogram of 4 points.
 */
export async function sendTelemetry(otlpUrl: string): Promise<SentTelemetry> {
  const sent: SentTelemetry = { checkoutTraces: [], errorTraces: [], slowTraces: [] };
  const tracers = new Map<string, TracerProvider>();
  const loggers = new Map<string, LoggerProvider>();
  for (const service of ["checkout", "inventory"]) {
    const resource = resourceFromAttributes({ "service.name": service });
    tracers.set(
      service,
      new TracerProvider({
        resource,
        spanProcessors: [
          new BatchSpanProcessor({
            exporter: new OTLPTraceExporter({ url: `${otlpUrl}/v1/traces` }),
          }),
        ],
      }),
    );
    loggers.set(
      service,
      new LoggerProvider({
        resource,
        processors: [
          new BatchLogRecordProcessor({
            exporter: new OTLPLogExporter({ url: `${otlpUrl}/v1/logs` }),
          }),
        ],
      }),
    );
  }
  const tracer = tracers.get("checkout")!.getTracer("cli-test");
  const logger = loggers.get("checkout")!.getLogger("cli-test");
  const now = Date.now();
  for (let i = 0; i < 25; i++) {
    const start = now - 60_000 + i * 1000;
    const root = tracer.startSpan("POST /orders", {
      kind: SpanKind.SERVER,
      startTime: start,
      attributes: { "http.route": "/orders", "order.id": String(i) },
    });
    const ctx = trace.setSpan(context.active(), root);
    const child = tracer.startSpan(
      "charge card",
      { kind: SpanKind.CLIENT, startTime: start + 2 },
      ctx,
    );
    const failed = i % 5 === 0;
    if (failed) child.setStatus({ code: SpanStatusCode.ERROR, message: "declined" });
    logger.emit({
      severityNumber: failed ? SeverityNumber.ERROR : SeverityNumber.INFO,
      severityText: failed ? "ERROR" : "INFO",
      body: failed ? `order ${i} failed: card declined` : `order ${i} paid`,
      context: trace.setSpan(context.active(), child),
      timestamp: start + 5,
    });
    child.end(start + 8);
    if (failed) root.setStatus({ code: SpanStatusCode.ERROR });
    root.end(start + 10);
    sent.checkoutTraces.push(root.spanContext().traceId);
    if (failed) sent.errorTraces.push(root.spanContext().traceId);
  }
  const slow = tracers.get("inventory")!.getTracer("cli-test");
  for (let i = 0; i < 5; i++) {
    const start = now - 30_000 + i * 1000;
    const span = slow.startSpan("GET /stock", { kind: SpanKind.SERVER, startTime: start });
    span.end(start + 600);
    sent.slowTraces.push(span.spanContext().traceId);
  }
  const reader = new PeriodicExportingMetricReader({
    exporter: new OTLPMetricExporter({ url: `${otlpUrl}/v1/metrics` }),
    exportIntervalMillis: 3_600_000,
  });
  const meters = new MeterProvider({
    resource: resourceFromAttributes({ "service.name": "checkout" }),
    readers: [reader],
  });
  const histogram = meters.getMeter("cli-test").createHistogram("checkout.duration", {
    unit: "ms",
  });
  for (const ms of [10, 20, 30, 400]) histogram.record(ms, { route: "/orders" });
  // shutdown() exports once; a forceFlush() before it would send the cumulative points twice.
  await Promise.all(
    [...tracers.values(), ...loggers.values(), meters].map((p) => p.shutdown()),
  );
  return sent;
}

/** Emits `bodies` as INFO logs of service `follow` now. */
export async function sendLogs(otlpUrl: string, bodies: string[]): Promise<void> {
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ "service.name": "follow" }),
    processors: [
      new BatchLogRecordProcessor({ exporter: new OTLPLogExporter({ url: `${otlpUrl}/v1/logs` }) }),
    ],
  });
  const logger = provider.getLogger("cli-test");
  for (const body of bodies) {
    logger.emit({ severityNumber: SeverityNumber.INFO, severityText: "INFO", body });
  }
  await provider.forceFlush();
  await provider.shutdown();
}
