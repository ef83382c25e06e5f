/**
 * The Compose demo without Docker: the TypeScript "shop" (`@tracehouse/sdk`) and the Python
 * "pricing" service (the `tracehouse` wheel built from python/) run as processes,
 * export to our collector, which writes to Tracehouse's ClickHouse HTTP endpoint. One checkout is
 * one trace across shop → pricing → shop; the failing checkout is an error trace with a
 * fingerprint; the health checks never arrive.
 */
import { deepStrictEqual, ok } from "node:assert/strict";
import { requireTool } from "../collector/test_support.ts";
import { ensurePythonSdk } from "../python/venv.ts";
import { freePort, httpOk, Proc, query, startCollectorStack, waitFor } from "./collector_stack.ts";

const hasGo = await requireTool("go", ["version"]);
const hasPython = await requireTool("python3", ["--version"]);

interface SpanRow {
  TraceId: string;
  ServiceName: string;
  SpanName: string;
  SpanKind: string;
  StatusCode: string;
  Fingerprint: string;
}

Deno.test({
  name:
    "demo: shop (TypeScript SDK) and pricing (Python SDK) share one trace through the collector",
  ignore: !hasGo || !hasPython,
  sanitizeResources: false,
  async fn() {
    const python = (await ensurePythonSdk()).python;

    const stack = await startCollectorStack({ TAIL_SAMPLING_PERCENT: "100" });
    const procs = [...stack.procs];
    const id = crypto.randomUUID().slice(0, 8);
    const shopService = `shop-${id}`;
    const pricingService = `pricing-${id}`;
    const shopPort = freePort();
    const pricingPort = freePort();
    try {
      const pricing = new Proc(
        "pricing",
        python,
        ["demo/pricing/app.py"],
        {
          OTEL_SERVICE_NAME: pricingService,
          OTEL_EXPORTER_OTLP_ENDPOINT: stack.otlpHttp,
          OTEL_BSP_SCHEDULE_DELAY: "200",
          HOST: "127.0.0.1",
          PORT: String(pricingPort),
          SHOP_URL: `http://127.0.0.1:${shopPort}`,
        },
      );
      procs.push(pricing);
      const shop = new Proc("shop", Deno.execPath(), ["run", "-A", "demo/shop/main.ts"], {
        OTEL_SERVICE_NAME: shopService,
        OTEL_EXPORTER_OTLP_ENDPOINT: stack.otlpHttp,
        HOST: "127.0.0.1",
        PORT: String(shopPort),
        PRICING_URL: `http://127.0.0.1:${pricingPort}`,
        DEMO_TRAFFIC_INTERVAL_MS: "0",
      });
      procs.push(shop);
      const shopUrl = `http://127.0.0.1:${shopPort}`;
      await waitFor(
        "the pricing service",
        () => httpOk(`http://127.0.0.1:${pricingPort}/healthz`),
        {
          procs,
        },
      );
      await waitFor("the shop service", () => httpOk(`${shopUrl}/healthz`), { procs });

      const good = await fetch(`${shopUrl}/checkout?sku=book`);
      deepStrictEqual(good.status, 200, await good.text());
      const bad = await fetch(`${shopUrl}/checkout?sku=broken`);
      deepStrictEqual(bad.status, 502, await bad.text());

      const sql = `SELECT TraceId, ServiceName, SpanName, SpanKind, StatusCode,
          SpanAttributes['error.fingerprint'] AS Fingerprint
        FROM otel_traces WHERE ServiceName IN ('${shopService}', '${pricingService}')
        ORDER BY Timestamp`;
      const wanted = ["GET /checkout", "GET /quote", "GET /stock/:sku"];
      const spans = await waitFor("both traces from both services", async () => {
        const rows = await query<SpanRow>(stack.endpoint, sql);
        const servers = rows.filter((r) => r.SpanKind === "Server");
        const done = wanted.every((n) => servers.some((r) => r.SpanName === n)) &&
          servers.some((r) => r.StatusCode === "Error" && r.ServiceName === pricingService);
        return done ? rows : undefined;
      }, { procs });
      const context = `\n${JSON.stringify(spans, null, 1)}`;

      const stock = spans.find((s) => s.SpanName === "GET /stock/:sku")!;
      const trace = spans.filter((s) => s.TraceId === stock.TraceId && s.SpanKind === "Server");
      deepStrictEqual(
        trace.map((s) => `${s.ServiceName === shopService ? "shop" : "pricing"} ${s.SpanName}`)
          .sort(),
        ["pricing GET /quote", "shop GET /checkout", "shop GET /stock/:sku"],
        `one trace crosses shop → pricing → shop${context}`,
      );
      const failed = spans.find((s) =>
        s.ServiceName === pricingService && s.StatusCode === "Error"
      )!;
      ok(/^[0-9a-f]{16}$/.test(failed.Fingerprint), `error span without fingerprint${context}`);
      ok(!spans.some((s) => s.SpanName.includes("healthz")), `health checks stored${context}`);
    } catch (err) {
      for (const p of procs) console.error(`--- ${p.name} ---\n${p.output().slice(-6000)}`);
      throw err;
    } finally {
      for (const p of procs.slice(stack.procs.length).reverse()) await p.stop();
      await stack.stop();
    }
  },
});
