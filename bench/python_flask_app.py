"""The Flask app of bench/python_sdk_bench.ts: one JSON route with a path parameter.

``BENCH_MODE=tracehouse`` instruments it with ``tracehouse.instrument_app``; ``none`` leaves it
bare (also the mode used under ``opentelemetry-instrument``, which instruments it from outside)."""

from __future__ import annotations

import os

from flask import Flask

app = Flask(__name__)


@app.get("/users/<int:user_id>")
def user(user_id: int) -> dict[str, object]:
    return {"id": user_id, "name": f"user {user_id}", "roles": ["reader", "writer"]}


if os.environ.get("BENCH_MODE") == "tracehouse":
    from tracehouse import instrument_app

    instrument_app(app, service_name="bench-flask")
