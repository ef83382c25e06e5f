// A plain node:http server on Node or Bun: `node node_http.mjs`, then `curl localhost:3000/users/7`.
// Without a router, `routes` gives spans their route template.
import { createServer } from "node:http";
import { instrumentApp, log, shutdown } from "@tracehouse/sdk";

const server = createServer((req, res) => {
  if (req.url?.startsWith("/users/")) {
    log.info("user viewed", { "user.id": req.url.split("/")[2] });
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ id: req.url.split("/")[2] }));
    return;
  }
  res.writeHead(404).end();
});
instrumentApp(server, { serviceName: "example-node-http", routes: ["/users/:id"] });

server.listen(Number(process.env.PORT ?? 3000), "127.0.0.1", () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});

process.on("SIGTERM", async () => {
  server.close();
  await shutdown();
  process.exit(0);
});
