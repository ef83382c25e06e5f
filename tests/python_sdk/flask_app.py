"""Flask app of tests/python_sdk_e2e_test.ts, served by gunicorn, instrumented by the installed
``tracehouse`` wheel. ``GET /chain`` calls the TypeScript shop (``SHOP_URL``), which calls the
FastAPI app, which calls the shop again: one trace across Python → TypeScript → Python."""

from __future__ import annotations

import logging
import os
import time

import requests
from flask import Flask

from tracehouse import counter, instrument_app, log, span

app = Flask(__name__)
instrument_app(app, service_name=os.environ["APP_SERVICE"])
logger = logging.getLogger("flask-e2e")
logger.setLevel(logging.INFO)
orders = counter("e2e.orders", unit="{order}")


@app.get("/users/<int:user_id>")
def user(user_id: int) -> dict[str, int]:
    logger.info("user %d viewed", user_id)
    with span("load user", {"user.id": user_id}):
        orders.add(1, {"kind": "view"})
    return {"id": user_id, "pid": os.getpid()}


@app.get("/boom")
def boom() -> str:
    raise ValueError("no price for boom")


@app.get("/chain")
def chain() -> dict[str, object]:
    log.info("chain started")
    answer = requests.get(f"{os.environ['SHOP_URL']}/checkout?sku=book", timeout=10)
    return {"status": answer.status_code, "body": answer.json()}


@app.get("/slow")
def slow() -> dict[str, int]:
    time.sleep(0.3)  # holds a sync worker, so concurrent requests reach both workers
    return {"pid": os.getpid()}
