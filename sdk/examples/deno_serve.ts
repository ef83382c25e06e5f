/**
 * A plain `Deno.serve` handler: `deno run -A sdk/examples/deno_serve.ts`, then
 * `curl localhost:3000/users/7`. `routes` gives spans their route template.
 *
 * @module
 */
import { instrumentApp, log, shutdown } from "../mod.ts"; // "jsr:@tracehouse/sdk"

const handler = instrumentApp((req: Request): Response => {
  const { pathname } = new URL(req.url);
  if (pathname.startsWith("/users/")) {
    log.info("user viewed", { "user.id": pathname.split("/")[2] });
    return Response.json({ id: pathname.split("/")[2] });
  }
  return new Response("not found", { status: 404 });
}, { serviceName: "example-deno-serve", routes: ["/users/:id"] });

const server = Deno.serve({
  port: Number(Deno.env.get("PORT") ?? 3000),
  hostname: "127.0.0.1",
  onListen: ({ port }) => console.log(`listening on http://127.0.0.1:${port}`),
}, handler);

Deno.addSignalListener("SIGTERM", async () => {
  await server.shutdown();
  await shutdown();
  Deno.exit(0);
});
