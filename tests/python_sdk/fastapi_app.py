"""FastAPI app of tests/python_sdk_e2e_test.ts, served by uvicorn, instrumented by the installed
``tracehouse`` wheel. ``GET /quote`` plays the pricing service for the TypeScript shop: it calls
the shop's ``/stock/{sku}`` back with httpx."""

from __future__ import annotations

import logging
import os

import httpx
from fastapi import FastAPI

from tracehouse import instrument_app, traced

app = FastAPI()
instrument_app(app, service_name=os.environ["APP_SERVICE"])
logger = logging.getLogger("fastapi-e2e")
logger.setLevel(logging.INFO)


@traced
async def price_of(sku: str) -> int:
    return 100 + len(sku) * 7


@app.get("/items/{item_id}")
async def item(item_id: int) -> dict[str, int]:
    logger.warning("item %d viewed", item_id)
    return {"id": item_id}


@app.get("/boom")
async def boom() -> dict[str, str]:
    raise RuntimeError("fastapi boom")


@app.get("/quote")
async def quote(sku: str = "book") -> dict[str, object]:
    async with httpx.AsyncClient() as client:
        stock = (await client.get(f"{os.environ['SHOP_URL']}/stock/{sku}", timeout=10)).json()
    return {"sku": sku, "price": await price_of(sku), "available": stock.get("available", 0)}
