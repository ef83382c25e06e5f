/**
 * End to end through the real collector: an app instrumented with `@tracehouse/sdk`
 * (collector/testdata/e2e_app.ts) → our collector distribution, built from source by
 * collector/build.sh and run with collector/config.yaml → the `clickhouseexporter` → Tracehouse's
 * ClickHouse-compatible HTTP endpoint over the embedded engine (`main.ts serve --clickhouse-http`,
 * which applies the migrations) → the data is read back through that endpoint.
 *
 * Checks: health-check spans and debug logs are filtered out; with the probabilistic share at 0 %
 * the fast OK trace is dropped while the error trace and the slow trace are kept; error spans and
 * error logs carry `error.fingerprint`, equal to what otlp/error_fingerprint.ts computes from the
 * stored exception; secrets are redacted.
 *
 * The stack (Tracehouse + collector) comes from ./collector_stack.ts.
 */
import { deepStrictEqual, ok } from "node:assert/strict";
import { assertSuccess, requireTool, run } from "../collector/test_support.ts";
import { errorFingerprint, logErrorInput, spanErrorInput } from "../otlp/error_fingerprint.ts";
import { query, ROOT, startCollectorStack, waitFor } from "./collector_stack.ts";

const hasGo = await requireTool("go", ["version"]);

interface SpanRow {
  SpanName: string;
  StatusCode: string;
  StatusMessage: string;
  Path: string;
  Fingerprint: string;
  EventNames: string[];
  EventAttributes: Record<string, string>[];
}

interface LogRow {
  SeverityText: string;
  SeverityNumber: number;
  Body: string;
  LogAttributes: Record<string, string>;
}

Deno.test({
  name: "e2e: instrumented app → built collector → Tracehouse ClickHouse HTTP endpoint",
  ignore: !hasGo,
  sanitizeResources: false,
  async fn() {
    const stack = await startCollectorStack({
      TAIL_SAMPLING_PERCENT: "0",
      TAIL_SAMPLING_SLOW_MS: "400",
    });
    const { endpoint, procs } = stack;
    const service = `e2e-app-${crypto.randomUUID().slice(0, 8)}`;
    try {
      const app = await run(Deno.execPath(), ["run", "-A", "collector/testdata/e2e_app.ts"], {
        cwd: ROOT,
        env: {
          OTEL_EXPORTER_OTLP_ENDPOINT: stack.otlpHttp,
          E2E_SERVICE_NAME: service,
          E2E_SLOW_MS: "600",
        },
      });
      assertSuccess("the instrumented app", app);

      const spanSql = `SELECT SpanName, StatusCode, StatusMessage,
          SpanAttributes['url.path'] AS Path, SpanAttributes['error.fingerprint'] AS Fingerprint,
          Events.Name AS EventNames, Events.Attributes AS EventAttributes
        FROM otel_traces WHERE ServiceName = '${service}' ORDER BY Timestamp`;
      const logSql = `SELECT SeverityText, SeverityNumber, Body, LogAttributes
        FROM otel_logs WHERE ServiceName = '${service}' ORDER BY Timestamp`;
      const spans = await waitFor(
        "the error and slow spans",
        async () => {
          const rows = await query<SpanRow>(endpoint, spanSql);
          return rows.length >= 2 ? rows : undefined;
        },
        { procs },
      );
      const logs = await waitFor(
        "the info and error logs",
        async () => {
          const rows = await query<LogRow>(endpoint, logSql);
          return rows.length >= 2 ? rows : undefined;
        },
        { procs },
      );
      // Anything that would arrive late (a wrongly kept trace) has had time to by now.
      await new Promise((r) => setTimeout(r, 2_000));
      const finalSpans = await query<SpanRow>(endpoint, spanSql);
      const finalLogs = await query<LogRow>(endpoint, logSql);
      const context = `\nspans: ${JSON.stringify(finalSpans)}\nlogs: ${JSON.stringify(finalLogs)}` +
        `\ncollector log:\n${procs.at(-1)!.output().slice(-4000)}`;
      ok(spans.length > 0 && logs.length > 0, context);

      // Traces: health check filtered, fast OK trace sampled out, slow and error traces kept.
      deepStrictEqual(finalSpans.map((s) => s.Path).sort(), ["/orders/17/pay", "/slow"], context);
      const failed = finalSpans.find((s) => s.Path === "/orders/17/pay")!;
      deepStrictEqual(failed.StatusCode, "Error", context);
      const expected = errorFingerprint(
        spanErrorInput({
          name: failed.SpanName,
          statusCode: "ERROR",
          statusMessage: failed.StatusMessage,
          events: failed.EventNames.map((name, i) => ({
            name,
            attributes: failed.EventAttributes[i],
          })),
        })!,
      );
      ok(expected, context);
      deepStrictEqual(failed.Fingerprint, expected.fingerprint, context);

      // Logs: debug filtered; error fingerprinted like the TypeScript twin; secrets redacted.
      deepStrictEqual(finalLogs.map((l) => l.SeverityText).sort(), ["ERROR", "INFO"], context);
      const info = finalLogs.find((l) => l.SeverityText === "INFO")!;
      ok(!("user.password" in info.LogAttributes), `password attribute kept${context}`);
      deepStrictEqual(info.LogAttributes["shop.sku"], "book", context);
      const error = finalLogs.find((l) => l.SeverityText === "ERROR")!;
      ok(!error.Body.includes("4111111111111111"), `card number kept${context}`);
      ok(error.Body.includes("[REDACTED-CARD]"), context);
      const attrs = error.LogAttributes;
      const logExpected = errorFingerprint(
        logErrorInput({
          severityNumber: error.SeverityNumber,
          severityText: error.SeverityText,
          body: error.Body,
          attributes: attrs,
        })!,
      );
      deepStrictEqual(attrs["error.fingerprint"], logExpected?.fingerprint, context);

      // The collector's own metrics count what it received.
      const own = await (await fetch(stack.metricsUrl)).text();
      ok(/^otelcol_receiver_accepted_spans\b/m.test(own), `no own metrics:\n${own.slice(0, 2000)}`);
    } catch (err) {
      for (const p of procs) console.error(`--- ${p.name} ---\n${p.output().slice(-6000)}`);
      throw err;
    } finally {
      await stack.stop();
    }
  },
});
