"""Flask in process (Werkzeug's test client), exporting over real OTLP/HTTP to a local receiver."""

from __future__ import annotations

import logging

from flask import Flask

import tracehouse
from conftest import sdk_options
from otlp_receiver import Receiver


def make_app() -> Flask:
    app = Flask("shop")

    @app.get("/users/<int:user_id>")
    def user(user_id: int) -> dict[str, int]:
        logging.getLogger("shop").warning("user %d viewed", user_id)
        return {"id": user_id}

    @app.get("/boom")
    def boom() -> str:
        raise ValueError("no price")

    return app


def test_server_span_route_status_and_exception(receiver: Receiver) -> None:
    app = tracehouse.instrument_app(make_app(), service_name="shop", **sdk_options(receiver))  # type: ignore[arg-type]
    client = app.test_client()
    assert client.get("/users/7").status_code == 200
    assert client.get("/boom").status_code == 500
    tracehouse.force_flush()
    receiver.wait_for(lambda: len([s for s in receiver.spans if s["kind"] == "SPAN_KIND_SERVER"]) >= 2)
    by_name = {s["name"]: s for s in receiver.spans}
    print(sorted(by_name))
    ok = by_name["GET /users/<int:user_id>"]
    assert ok["attributes"]["http.route"] == "/users/<int:user_id>"
    assert ok["attributes"]["http.request.method"] == "GET"
    assert ok["attributes"]["http.response.status_code"] == 200
    assert ok["resource"]["service.name"] == "shop"
    failed = by_name["GET /boom"]
    assert failed["status"]["code"] == "STATUS_CODE_ERROR"
    assert failed["attributes"]["http.response.status_code"] == 500
    events = [e for e in failed.get("events", []) if e["name"] == "exception"]
    assert events, failed
    assert events[0]["attributes"]["exception.type"] == "ValueError"
    receiver.wait_for(lambda: any(r["body"].get("stringValue") == "user 7 viewed" for r in receiver.logs))
    record = next(r for r in receiver.logs if r["body"].get("stringValue") == "user 7 viewed")
    assert record["traceId"] == ok["traceId"]
    assert record["severityText"] == "WARN"
