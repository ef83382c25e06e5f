/**
 * Realistic OTLP requests for tests and benchmarks: 8 services, 15 span attributes of mixed
 * types, 2 events on every fourth span, 2% error spans; 12 log attributes, 5% error records;
 * one resource with 6 attributes per request. Deterministic for a given random source.
 *
 * @module
 */
import type { KeyValue, LogRecord, ResourceGroup, Span } from "../otlp/model.ts";

const SERVICES = ["api", "checkout", "cart", "payments", "search", "users", "inventory", "email"];
const ROUTES = ["/users/:id", "/cart", "/checkout", "/search", "/items/:sku", "/health"];

function hex(rand: () => number, bytes: number): string {
  let s = "";
  while (s.length < bytes * 2) s += Math.floor(rand() * 2 ** 32).toString(16).padStart(8, "0");
  return s.slice(0, bytes * 2);
}

function resource(service: string): KeyValue[] {
  return [
    ["service.name", service],
    ["service.version", "1.4.2"],
    ["deployment.environment.name", "production"],
    ["host.name", `host-${service}-1`],
    ["telemetry.sdk.language", "nodejs"],
    ["process.pid", 4242],
  ];
}

/** One request's spans: `count` spans of one service. */
export function spanRequest(rand: () => number, count: number, now: bigint): ResourceGroup<Span>[] {
  const service = SERVICES[Math.floor(rand() * SERVICES.length)];
  const spans: Span[] = [];
  const traceId = hex(rand, 16);
  for (let i = 0; i < count; i++) {
    const route = ROUTES[Math.floor(rand() * ROUTES.length)];
    const start = now - BigInt(Math.floor(rand() * 1e9));
    const status = rand() < 0.02 ? 2 : 0;
    spans.push({
      traceId: i % 10 === 0 ? hex(rand, 16) : traceId,
      spanId: hex(rand, 8),
      parentSpanId: i % 10 === 0 ? "" : hex(rand, 8),
      traceState: "",
      name: `GET ${route}`,
      kind: 2,
      start,
      end: start + BigInt(Math.floor(rand() * 5e8)),
      attributes: [
        ["http.request.method", "GET"],
        ["http.route", route],
        ["url.path", route.replace(":id", String(Math.floor(rand() * 1e6)))],
        ["url.scheme", "https"],
        ["http.response.status_code", status ? 500 : 200],
        ["server.address", "api.example.com"],
        ["server.port", 443],
        ["network.protocol.version", "1.1"],
        ["user_agent.original", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36"],
        ["client.address", `10.0.${Math.floor(rand() * 255)}.${Math.floor(rand() * 255)}`],
        ["enduser.id", `user-${Math.floor(rand() * 1e5)}`],
        ["app.cart.items", Math.floor(rand() * 20)],
        ["app.cache.hit", rand() < 0.5],
        ["app.ratio", rand()],
        ["app.request.id", hex(rand, 8)],
      ],
      events: i % 4 === 0
        ? [
          { time: start + 1000n, name: "cache.lookup", attributes: [["cache.key", `k${i}`]] },
          {
            time: start + 2000n,
            name: status ? "exception" : "db.query",
            attributes: status
              ? [["exception.type", "Error"], ["exception.message", `failed ${i}`]]
              : [["db.statement", "SELECT * FROM carts WHERE id = ?"]],
          },
        ]
        : [],
      links: [],
      statusCode: status,
      statusMessage: status ? "Internal Server Error" : "",
    });
  }
  return [{
    resource: { attributes: resource(service), schemaUrl: "" },
    scopes: [{
      scope: {
        name: "@opentelemetry/instrumentation-http",
        version: "0.57.0",
        attributes: [],
        droppedAttributesCount: 0,
      },
      schemaUrl: "",
      items: spans,
    }],
  }];
}

/** One request's log records. */
export function logRequest(
  rand: () => number,
  count: number,
  now: bigint,
): ResourceGroup<LogRecord>[] {
  const service = SERVICES[Math.floor(rand() * SERVICES.length)];
  const logs: LogRecord[] = [];
  for (let i = 0; i < count; i++) {
    const severity = rand() < 0.05 ? 17 : 9;
    logs.push({
      time: now - BigInt(Math.floor(rand() * 1e9)),
      observedTime: now,
      severityNumber: severity,
      severityText: severity === 17 ? "ERROR" : "INFO",
      body: `request ${hex(rand, 4)} handled in ${Math.floor(rand() * 300)} ms for user ${
        Math.floor(rand() * 1e5)
      }`,
      attributes: [
        ["http.request.method", "POST"],
        ["http.route", ROUTES[i % ROUTES.length]],
        ["http.response.status_code", 200],
        ["enduser.id", `user-${Math.floor(rand() * 1e5)}`],
        ["code.function", "handleRequest"],
        ["code.filepath", "/app/src/server.ts"],
        ["code.lineno", 120],
        ["thread.name", "main"],
        ["app.tenant", `tenant-${i % 17}`],
        ["app.latency_ms", rand() * 300],
        ["app.retry", false],
        ["app.request.id", hex(rand, 8)],
      ],
      flags: 1,
      traceId: hex(rand, 16),
      spanId: hex(rand, 8),
      eventName: "",
    });
  }
  return [{
    resource: { attributes: resource(service), schemaUrl: "" },
    scopes: [{
      scope: { name: "app-logger", version: "1.0.0", attributes: [], droppedAttributesCount: 0 },
      schemaUrl: "",
      items: logs,
    }],
  }];
}
