/**
 * Hono on Deno: `deno run -A sdk/examples/hono_deno.ts`, then `curl localhost:3000/users/7`.
 * Telemetry goes to OTEL_EXPORTER_OTLP_ENDPOINT (default http://localhost:4318).
 *
 * @module
 */
import { Hono } from "hono";
import { counter, instrumentApp, log, shutdown, withSpan } from "../mod.ts"; // "jsr:@tracehouse/sdk"

const app = instrumentApp(new Hono(), { serviceName: "example-hono" });
const views = counter("user.views");

app.get("/users/:id", async (c) => {
  const id = c.req.param("id");
  const user = await withSpan("load user", async (span) => {
    span.setAttribute("user.id", id);
    await new Promise((r) => setTimeout(r, 5));
    return { id, name: "Ada" };
  });
  views.add(1);
  log.info("user viewed", { "user.id": id });
  return c.json(user);
});

const server = Deno.serve({
  port: Number(Deno.env.get("PORT") ?? 3000),
  hostname: "127.0.0.1",
  onListen: ({ port }) => console.log(`listening on http://127.0.0.1:${port}`),
}, app.fetch);

Deno.addSignalListener("SIGTERM", async () => {
  await server.shutdown();
  await shutdown();
  Deno.exit(0);
});
