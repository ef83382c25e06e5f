/**
 * Realistic span rows for benchmarks: the shape of `otel_traces` with 10–20
 * attributes per span, resource attributes, and events on some spans.
 *
 * @module
 */

const SERVICES = ["api", "checkout", "cart", "payments", "search", "users", "inventory", "email"];
const ROUTES = ["/users/:id", "/cart", "/checkout", "/search", "/items/:sku", "/health", "/login"];
const METHODS = ["GET", "POST", "PUT", "DELETE"];

/** A small, fast, seeded PRNG (mulberry32) so every run generates the same data. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hex(rand: () => number, bytes: number): string {
  let out = "";
  for (let i = 0; i < bytes; i += 4) {
    out += Math.floor(rand() * 0x100000000).toString(16).padStart(8, "0");
  }
  return out.slice(0, bytes * 2);
}

/** Generates `count` spans; five spans share each trace. */
export function spanRows(count: number, seed = 1, startNs = 1_764_000_000_000_000_000n) {
  const rand = random(seed);
  const rows: Record<string, unknown>[] = [];
  let traceId = "";
  for (let i = 0; i < count; i++) {
    if (i % 5 === 0) traceId = hex(rand, 16);
    const service = SERVICES[Math.floor(rand() * SERVICES.length)];
    const route = ROUTES[Math.floor(rand() * ROUTES.length)];
    const method = METHODS[Math.floor(rand() * METHODS.length)];
    const status = rand() < 0.03 ? 500 : 200;
    const attributes: Record<string, string> = {
      "http.request.method": method,
      "http.route": route,
      "url.path": route.replace(":id", String(i % 1000)).replace(":sku", `sku-${i % 77}`),
      "url.scheme": "http",
      "http.response.status_code": String(status),
      "server.address": `${service}.internal`,
      "server.port": "8080",
      "network.protocol.version": "1.1",
      "user_agent.original": "Mozilla/5.0 (X11; Linux x86_64) bench",
      "client.address": `10.0.${i % 255}.${(i * 7) % 255}`,
      "app.user_id": `user-${Math.floor(rand() * 100_000)}`,
      "app.request_id": hex(rand, 8),
    };
    for (let extra = 0; extra < (i % 8); extra++) {
      attributes[`app.extra.${extra}`] = `value-${extra}`;
    }
    const start = startNs + BigInt(i) * 1_000_000n;
    const error = status >= 500;
    rows.push({
      Timestamp: start,
      TraceId: traceId,
      SpanId: hex(rand, 8),
      ParentSpanId: i % 5 === 0 ? "" : hex(rand, 8),
      TraceState: "",
      SpanName: `${method} ${route}`,
      SpanKind: i % 5 === 0 ? "Server" : "Internal",
      ServiceName: service,
      ResourceAttributes: {
        "service.name": service,
        "service.version": "1.4.2",
        "deployment.environment": "production",
        "host.name": `node-${i % 12}`,
        "telemetry.sdk.language": "nodejs",
        "telemetry.sdk.name": "opentelemetry",
      },
      ScopeName: "@tracehouse/sdk",
      ScopeVersion: "0.1.0",
      SpanAttributes: attributes,
      Duration: BigInt(Math.floor(rand() * 50_000_000)),
      StatusCode: error ? "Error" : "Unset",
      StatusMessage: error ? "Internal Server Error" : "",
      "Events.Timestamp": error ? [start + 1000n] : [],
      "Events.Name": error ? ["exception"] : [],
      "Events.Attributes": error
        ? [{
          "exception.type": "TypeError",
          "exception.message": `cannot read id of undefined (${i})`,
        }]
        : [],
      "Links.TraceId": [],
      "Links.SpanId": [],
      "Links.TraceState": [],
      "Links.Attributes": [],
    });
  }
  return rows;
}
