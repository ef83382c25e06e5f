// Fastify on Node or Bun: `node fastify.mjs`, then `curl localhost:3000/users/7`.
// Call instrumentApp before registering routes and before listen().
import Fastify from "fastify";
import { instrumentApp, log, shutdown } from "@tracehouse/sdk";

const app = Fastify();
instrumentApp(app, { serviceName: "example-fastify" });

app.get("/users/:id", (req) => {
  log.info("user viewed", { "user.id": req.params.id });
  return { id: req.params.id };
});

await app.listen({ port: Number(process.env.PORT ?? 3000), host: "127.0.0.1" });
console.log(`listening on http://127.0.0.1:${app.server.address().port}`);

process.on("SIGTERM", async () => {
  await app.close();
  await shutdown();
  process.exit(0);
});
