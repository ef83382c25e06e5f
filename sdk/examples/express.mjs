// Express on Node or Bun: `node express.mjs`, then `curl localhost:3000/users/7`.
import express from "express";
import { instrumentApp, log, shutdown } from "@tracehouse/sdk";

const app = express();
instrumentApp(app, { serviceName: "example-express" });

app.get("/users/:id", (req, res) => {
  log.info("user viewed", { "user.id": req.params.id });
  res.json({ id: req.params.id });
});

const server = app.listen(Number(process.env.PORT ?? 3000), "127.0.0.1", () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});

process.on("SIGTERM", async () => {
  server.close();
  await shutdown();
  process.exit(0);
});
