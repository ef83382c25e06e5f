// Hono on Bun.serve: `bun hono_bun.mjs`, then `curl localhost:3000/users/7`.
import { Hono } from "hono";
import { instrumentApp, log, shutdown } from "@tracehouse/sdk";

const app = instrumentApp(new Hono(), { serviceName: "example-hono-bun" });

app.get("/users/:id", (c) => {
  log.info("user viewed", { "user.id": c.req.param("id") });
  return c.json({ id: c.req.param("id") });
});

const server = Bun.serve({
  port: Number(process.env.PORT ?? 3000),
  hostname: "127.0.0.1",
  fetch: app.fetch,
});
console.log(`listening on http://127.0.0.1:${server.port}`);

process.on("SIGTERM", async () => {
  server.stop();
  await shutdown();
  process.exit(0);
});
