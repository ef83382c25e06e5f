/**
 * Acceptance of the `tracehouse` Python package with real components: a real Tracehouse
 * (`main.ts serve`, embedded ClickHouse), a Flask app under gunicorn (preloaded, two workers,
 * tracehouse's post_fork hook) and a FastAPI app under uvicorn (two workers), both instrumented
 * with the INSTALLED wheel, and the TypeScript demo shop (`@tracehouse/sdk`) between them. After
 * the requests the stored rows are read: span names with route templates, `http.route`, error
 * status and exception events, the duration histogram with semconv buckets, runtime metrics, log
 * records with the request's trace id, one trace across Python → TypeScript → Python, and one
 * identity per pre-fork worker. Skipped without `python3`, failing when `CI` is set.
 */
import { deepStrictEqual, ok } from "node:assert/strict";
import { join } from "node:path";
import { ensurePythonSdk, pythonAvailable } from "../python/venv.ts";
import { freePort, httpOk, Proc, ROOT, waitFor } from "./collector_stack.ts";
import { startTracehouse, withStore } from "./interop/server.ts";

const hasPython = await pythonAvailable();
if (!hasPython && Deno.env.get("CI")) {
  throw new Error("python3 with venv is required when CI is set");
}

type Row = Record<string, unknown>;

const SEMCONV_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

async function get(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.text() };
}

Deno.test({
  name:
    "python sdk e2e: Flask under gunicorn and FastAPI under uvicorn, stored in Tracehouse, one trace through TypeScript",
  ignore: !hasPython,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const env = await ensurePythonSdk();
    const dataDir = await Deno.makeTempDir({ prefix: "tracehouse-pysdk-" });
    const tracehouse = await startTracehouse(dataDir);
    const id = crypto.randomUUID().slice(0, 8);
    const flaskService = `py-flask-${id}`;
    const fastapiService = `py-fastapi-${id}`;
    const shopService = `ts-shop-${id}`;
    const [flaskPort, fastapiPort, shopPort] = [freePort(), freePort(), freePort()];
    const flaskUrl = `http://127.0.0.1:${flaskPort}`;
    const fastapiUrl = `http://127.0.0.1:${fastapiPort}`;
    const shopUrl = `http://127.0.0.1:${shopPort}`;
    const otel = {
      OTEL_EXPORTER_OTLP_ENDPOINT: tracehouse.otlpUrl,
      OTEL_BSP_SCHEDULE_DELAY: "200",
      OTEL_METRIC_EXPORT_INTERVAL: "1000",
      SHOP_URL: shopUrl,
    };
    const appDir = join(ROOT, "tests/python_sdk");
    const procs: Proc[] = [];
    try {
      procs.push(
        new Proc("gunicorn", join(env.venv, "bin/gunicorn"), [
          "--config",
          join(appDir, "gunicorn.conf.py"),
          "--chdir",
          appDir,
          "--bind",
          `127.0.0.1:${flaskPort}`,
          "flask_app:app",
        ], { ...otel, APP_SERVICE: flaskService }),
        new Proc("uvicorn", join(env.venv, "bin/uvicorn"), [
          "--app-dir",
          appDir,
          "--host",
          "127.0.0.1",
          "--port",
          String(fastapiPort),
          "--workers",
          "2",
          "fastapi_app:app",
        ], { ...otel, APP_SERVICE: fastapiService }),
        new Proc("shop", Deno.execPath(), ["run", "-A", "demo/shop/main.ts"], {
          OTEL_SERVICE_NAME: shopService,
          OTEL_EXPORTER_OTLP_ENDPOINT: tracehouse.otlpUrl,
          OTEL_BSP_SCHEDULE_DELAY: "200", // the demo has no SIGTERM handler: export before the stop
          HOST: "127.0.0.1",
          PORT: String(shopPort),
          PRICING_URL: fastapiUrl,
          DEMO_TRAFFIC_INTERVAL_MS: "0",
        }),
      );
      await waitFor("gunicorn", () => httpOk(`${flaskUrl}/users/1`), { procs });
      await waitFor("uvicorn", () => httpOk(`${fastapiUrl}/items/1`), { procs });
      await waitFor("the shop", () => httpOk(`${shopUrl}/healthz`), { procs });

      deepStrictEqual((await get(`${flaskUrl}/users/7`)).status, 200);
      deepStrictEqual((await get(`${flaskUrl}/boom`)).status, 500);
      deepStrictEqual((await get(`${fastapiUrl}/items/3`)).status, 200);
      deepStrictEqual((await get(`${fastapiUrl}/boom`)).status, 500);
      const chain = await get(`${flaskUrl}/chain`);
      deepStrictEqual(chain.status, 200, chain.body);
      ok(JSON.parse(chain.body).body.quote.price > 0, chain.body);
      // Sync workers serve one request at a time: concurrent slow requests reach both workers.
      const pids = new Set(
        (await Promise.all(Array.from({ length: 6 }, () => get(`${flaskUrl}/slow`))))
          .map((r) => JSON.parse(r.body).pid),
      );
      ok(pids.size === 2, `expected both gunicorn workers to serve, got pids ${[...pids]}`);

      // Two metric intervals, then a graceful stop: the workers flush at exit.
      await new Promise((r) => setTimeout(r, 2500));
    } catch (error) {
      for (const p of procs) console.error(`--- ${p.name} ---\n${p.output().slice(-4000)}`);
      throw error;
    } finally {
      for (const p of procs.reverse()) await p.stop();
      await tracehouse.stop();
    }
    const outputs = procs.map((p) => `--- ${p.name} ---\n${p.output().slice(-3000)}`).join("\n");
    try {
      await withStore(dataDir, async (store) => {
        const services = { f: flaskService, a: fastapiService, s: shopService };
        const spans = await store.query(
          `SELECT TraceId, SpanId, ParentSpanId, ServiceName, SpanName, SpanKind, StatusCode,
             SpanAttributes, ResourceAttributes, Events.Name AS EventNames,
             Events.Attributes AS EventAttributes
           FROM otel_traces WHERE ServiceName IN ({f:String}, {a:String}, {s:String})
           ORDER BY Timestamp`,
          { params: services },
        ) as Row[];
        const context = `\n${
          JSON.stringify(spans.map((s) => [s.ServiceName, s.SpanName]))
        }\n${outputs}`;
        const server = (service: string, name: string) =>
          spans.filter((s) =>
            s.ServiceName === service && s.SpanName === name && s.SpanKind === "Server"
          );
        const attrs = (s: Row) => s.SpanAttributes as Record<string, string>;

        // Flask: route template names, http.route, semconv attributes.
        const user = server(flaskService, "GET /users/<int:user_id>").find((s) =>
          attrs(s)["url.path"] === "/users/7"
        );
        ok(user, `no Flask span for /users/7${context}`);
        deepStrictEqual(attrs(user)["http.route"], "/users/<int:user_id>");
        deepStrictEqual(attrs(user)["http.request.method"], "GET");
        deepStrictEqual(attrs(user)["http.response.status_code"], "200");
        deepStrictEqual(user.StatusCode, "Unset");
        const child = spans.find((s) => s.SpanName === "load user" && s.TraceId === user.TraceId);
        ok(
          child && child.ParentSpanId === user.SpanId,
          `manual span not under the server span${context}`,
        );

        // Errors: status, exception event (type), on both frameworks.
        for (
          const [service, type] of [[flaskService, "ValueError"], [fastapiService, "RuntimeError"]]
        ) {
          const [boom] = server(service, "GET /boom");
          ok(boom, `no ${service} GET /boom span${context}`);
          deepStrictEqual(boom.StatusCode, "Error", `${service} /boom status`);
          deepStrictEqual(attrs(boom)["http.response.status_code"], "500");
          const at = (boom.EventNames as string[]).indexOf("exception");
          ok(at >= 0, `no exception event on ${service} /boom${context}`);
          deepStrictEqual(
            (boom.EventAttributes as Record<string, string>[])[at]["exception.type"],
            type,
          );
        }

        // FastAPI: route template and http.route; the @traced coroutine.
        const item = server(fastapiService, "GET /items/{item_id}").find((s) =>
          attrs(s)["url.path"] === "/items/3"
        );
        ok(item, `no FastAPI GET /items/{item_id}${context}`);
        deepStrictEqual(attrs(item)["http.route"], "/items/{item_id}");
        ok(
          spans.some((s) => s.ServiceName === fastapiService && s.SpanName === "price_of"),
          context,
        );

        // Python → TypeScript → Python → TypeScript: one trace.
        const [chain] = server(flaskService, "GET /chain");
        ok(chain, `no GET /chain span${context}`);
        const inTrace = spans.filter((s) => s.TraceId === chain.TraceId && s.SpanKind === "Server")
          .map((s) => `${String(s.ServiceName).split("-").slice(0, 2).join("-")} ${s.SpanName}`)
          .sort();
        deepStrictEqual(inTrace, [
          "py-fastapi GET /quote",
          "py-flask GET /chain",
          "ts-shop GET /checkout",
          "ts-shop GET /stock/:sku",
        ], `the chain is not one trace${context}`);
        const clients = spans.filter((s) => s.TraceId === chain.TraceId && s.SpanKind === "Client");
        ok(
          clients.some((s) => s.ServiceName === flaskService),
          `no requests client span${context}`,
        );
        ok(clients.some((s) => s.ServiceName === fastapiService), `no httpx client span${context}`);

        // The SDK's own export requests are not traced.
        const exports = spans.filter((s) =>
          /\/v1\/(traces|metrics|logs)/.test(attrs(s)["url.full"] ?? "")
        );
        deepStrictEqual(exports.length, 0, `export requests traced${context}`);

        // Pre-fork: each gunicorn worker reports as its own instance.
        const slow = server(flaskService, "GET /slow");
        const instances = new Set(
          slow.map((s) => (s.ResourceAttributes as Record<string, string>)["service.instance.id"]),
        );
        const processes = new Set(
          slow.map((s) => (s.ResourceAttributes as Record<string, string>)["process.pid"]),
        );
        deepStrictEqual(
          [instances.size, processes.size],
          [2, 2],
          `workers share an identity${context}`,
        );

        // Logs carry the request's trace id; levels map to severities.
        const logs = await store.query(
          `SELECT ServiceName, Body, SeverityText, SeverityNumber, TraceId, SpanId FROM otel_logs
           WHERE ServiceName IN ({f:String}, {a:String})`,
          { params: services },
        ) as Row[];
        const viewed = logs.find((l) => l.Body === "user 7 viewed");
        ok(viewed, `no bridged log record${JSON.stringify(logs)}`);
        deepStrictEqual([viewed.TraceId, viewed.SpanId, viewed.SeverityText], [
          user.TraceId,
          user.SpanId,
          "INFO",
        ]);
        const warned = logs.find((l) => l.Body === "item 3 viewed");
        ok(
          warned && warned.TraceId === item.TraceId && warned.SeverityText === "WARN",
          JSON.stringify(logs),
        );
        const manual = logs.find((l) => l.Body === "chain started");
        ok(
          manual && manual.TraceId === chain.TraceId,
          `log.info without the trace id${JSON.stringify(logs)}`,
        );

        // The duration histogram (semconv name, unit, buckets) per route, and runtime metrics.
        const histograms = await store.query(
          `SELECT ServiceName, MetricUnit, Attributes, ExplicitBounds, Count FROM otel_metrics_histogram
           WHERE MetricName = 'http.server.request.duration' AND ServiceName IN ({f:String}, {a:String})`,
          { params: services },
        ) as Row[];
        for (
          const [service, route] of [[flaskService, "/boom"], [fastapiService, "/items/{item_id}"]]
        ) {
          const point = histograms.find((h) =>
            h.ServiceName === service &&
            (h.Attributes as Record<string, string>)["http.route"] === route
          );
          ok(point, `no duration histogram for ${service} ${route}: ${JSON.stringify(histograms)}`);
          deepStrictEqual(point.MetricUnit, "s");
          deepStrictEqual((point.ExplicitBounds as number[]).map(Number), SEMCONV_BUCKETS);
          ok(Number(point.Count) >= 1);
        }
        const runtime = await store.query(
          `SELECT DISTINCT MetricName FROM merge(currentDatabase(), '^otel_metrics_(sum|gauge)$')
           WHERE ServiceName = {f:String}`,
          { params: services },
        ) as Row[];
        const names = runtime.map((r) => r.MetricName);
        for (
          const name of [
            "process.cpu.time",
            "process.memory.usage",
            "cpython.gc.collections",
            "e2e.orders",
          ]
        ) {
          ok(names.includes(name), `no ${name} metric: ${names}`);
        }
      });
    } finally {
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    }
  },
});
