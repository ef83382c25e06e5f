"""Flask in process (Werkzeug's test client), exporting over real OTLP/HTTP to a local receiver."""

from __future__ import annotations

import logging

import pytest
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
    assert client.get("/users/7", buffered=True).status_code == 200
    assert client.get("/boom", buffered=True).status_code == 500
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


def test_duration_histogram_has_the_route_and_404_keeps_the_method(receiver: Receiver) -> None:
    app = tracehouse.instrument_app(make_app(), service_name="shop", **sdk_options(receiver))  # type: ignore[arg-type]
    client = app.test_client()
    assert client.get("/users/7", buffered=True).status_code == 200
    assert client.get("/boom", buffered=True).status_code == 500
    assert client.get("/nowhere", buffered=True).status_code == 404
    tracehouse.force_flush()
    receiver.wait_for(lambda: len([s for s in receiver.spans if s["kind"] == "SPAN_KIND_SERVER"]) >= 3)
    lost = next(s for s in receiver.spans if s["attributes"].get("url.path") == "/nowhere")
    assert lost["name"] == "GET"
    assert "http.route" not in lost["attributes"]
    receiver.wait_for(lambda: any(m["name"] == "http.server.request.duration" for m in receiver.metrics))
    points = {
        m["point"]["attributes"].get("http.route"): m["point"]["attributes"]
        for m in receiver.metrics
        if m["name"] == "http.server.request.duration"
    }
    assert set(points) == {"/users/<int:user_id>", "/boom", None}
    assert points["/users/<int:user_id>"]["http.response.status_code"] == 200
    assert points["/boom"]["error.type"] == "500"
    # No second instrumentation: instrumenting again (or OpenTelemetry's Flask instrumentor) is a no-op.
    assert tracehouse.instrument_app(app) is app
    assert app._is_instrumented_by_opentelemetry  # type: ignore[attr-defined]


def test_excluded_urls_are_not_traced(receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_PYTHON_FLASK_EXCLUDED_URLS", "healthz")
    app = make_app()

    @app.get("/healthz")
    def health() -> str:
        return "ok"

    tracehouse.instrument_app(app, service_name="shop", **sdk_options(receiver))  # type: ignore[arg-type]
    client = app.test_client()
    assert client.get("/healthz", buffered=True).text == "ok"
    assert client.get("/users/1", buffered=True).status_code == 200
    tracehouse.force_flush()
    receiver.wait_for(lambda: any(s["kind"] == "SPAN_KIND_SERVER" for s in receiver.spans))
    assert [s["name"] for s in receiver.spans if s["kind"] == "SPAN_KIND_SERVER"] == ["GET /users/<int:user_id>"]
