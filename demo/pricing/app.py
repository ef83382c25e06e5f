"""Demo "pricing" service for the Compose stack: Flask, instrumented by ``tracehouse`` (the
Python SDK in python/, configured by the standard OTEL_* variables).

``GET /quote?sku=...`` calls back the TypeScript "shop" service (``GET /stock/<sku>``), so one
trace crosses both services. ``sku=broken`` raises (an error trace, always kept by the
collector), ``sku=slow`` sleeps past the collector's slow-trace threshold.
"""

import logging
import os
import time

import requests
from flask import Flask, jsonify, request

from tracehouse import instrument_app

SHOP_URL = os.environ.get("SHOP_URL", "http://127.0.0.1:8000")
PORT = int(os.environ.get("PORT", "8001"))
HOST = os.environ.get("HOST", "0.0.0.0")

app = Flask(__name__)
instrument_app(app, service_name=os.environ.get("OTEL_SERVICE_NAME", "pricing"))
log = logging.getLogger("pricing")
log.setLevel(logging.DEBUG)


@app.get("/healthz")
def healthz():
    return "ok"


@app.get("/quote")
def quote():
    sku = request.args.get("sku", "book")
    log.debug("quote requested for %s", sku)
    if sku == "broken":
        log.error("no price for sku %r", sku)
        raise ValueError(f"no price for sku '{sku}'")
    if sku == "slow":
        time.sleep(1.5)
    stock = requests.get(f"{SHOP_URL}/stock/{sku}", timeout=5).json()
    price = 100 + len(sku) * 7
    log.info("quoted %s at %d", sku, price)
    return jsonify(sku=sku, price=price, available=stock.get("available", 0))


if __name__ == "__main__":
    app.run(host=HOST, port=PORT)
