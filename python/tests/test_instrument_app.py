"""``instrument_app`` on every kind of app, in process, exporting over OTLP/HTTP to a receiver."""

from __future__ import annotations

import asyncio
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
import requests
import urllib3
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from werkzeug.test import Client

import tracehouse
from conftest import sdk_options
from otlp_receiver import Receiver
from tracehouse import detect_app, instrument_app


def server_spans(receiver: Receiver) -> list[dict[str, Any]]:
    return [s for s in receiver.spans if s["kind"] == "SPAN_KIND_SERVER"]


def wsgi_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    status = "503 Service Unavailable" if environ["PATH_INFO"] == "/down" else "200 OK"
    start_response(status, [("Content-Type", "text/plain")])
    return [b"ok"]


async def asgi_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"ok"})


def test_detect_app() -> None:
    assert detect_app(FastAPI()) == "fastapi"
    assert detect_app(Starlette()) == "starlette"
    assert detect_app(wsgi_app) == "wsgi"
    assert detect_app(asgi_app) == "asgi"
    assert detect_app(42) == "unknown"

    class AsgiObject:
        async def __call__(self, scope: Any, receive: Any, send: Any) -> None: ...

    assert detect_app(AsgiObject()) == "asgi"


def test_fastapi(receiver: Receiver) -> None:
    app = FastAPI()

    @app.get("/items/{item_id}")
    async def item(item_id: int) -> dict[str, int]:
        return {"id": item_id}

    @app.get("/fail")
    async def fail() -> None:
        raise RuntimeError("broken")

    assert instrument_app(app, service_name="api", **sdk_options(receiver)) is app  # type: ignore[arg-type]
    client = TestClient(app, raise_server_exceptions=False)
    assert client.get("/items/5").status_code == 200
    assert client.get("/fail").status_code == 500
    tracehouse.force_flush()
    receiver.wait_for(lambda: len(server_spans(receiver)) >= 2)
    spans = {s["name"]: s for s in server_spans(receiver)}
    assert spans["GET /items/{item_id}"]["attributes"]["http.route"] == "/items/{item_id}"
    failed = spans["GET /fail"]
    assert failed["status"]["code"] == "STATUS_CODE_ERROR"
    assert any(e["name"] == "exception" for e in failed["events"])
    # One span per request: no internal spans for each ASGI send/receive.
    assert not [s for s in receiver.spans if s["name"].endswith((" http send", " http receive"))]
    receiver.wait_for(lambda: any(m["name"] == "http.server.request.duration" for m in receiver.metrics))
    duration = next(m for m in receiver.metrics if m["name"] == "http.server.request.duration")
    assert duration["unit"] == "s"
    assert duration["point"]["explicitBounds"][:3] == [0.005, 0.01, 0.025]


def test_starlette(receiver: Receiver) -> None:
    async def hello(request: Any) -> PlainTextResponse:
        return PlainTextResponse("hi")

    app = Starlette(routes=[Route("/hello/{name}", hello)])
    instrument_app(app, service_name="star", **sdk_options(receiver))  # type: ignore[arg-type]
    assert TestClient(app).get("/hello/bob").text == "hi"
    tracehouse.force_flush()
    receiver.wait_for(lambda: len(server_spans(receiver)) >= 1)
    assert server_spans(receiver)[0]["name"] == "GET /hello/{name}"
    assert not [s for s in receiver.spans if s["name"].endswith(" http send")]


def test_plain_wsgi_returns_the_wrapped_app(receiver: Receiver) -> None:
    served = instrument_app(
        wsgi_app,
        service_name="wsgi",
        routes=["/users/{id}"],
        **sdk_options(receiver),  # type: ignore[arg-type]
    )
    assert served is not wsgi_app
    assert instrument_app(wsgi_app) is served  # instrumenting twice is a no-op
    assert instrument_app(served) is served
    client = Client(served)
    # buffered: the client reads and closes the body as a server does, which ends the span
    assert client.get("/users/3", buffered=True).status_code == 200
    assert client.get("/down", buffered=True).status_code == 503
    tracehouse.force_flush()
    receiver.wait_for(lambda: len(server_spans(receiver)) >= 2)
    spans = server_spans(receiver)
    # A matching template names the span; no template: the method only, never the raw path.
    assert [s["name"] for s in spans] == ["GET /users/{id}", "GET"]
    assert spans[0]["attributes"]["http.route"] == "/users/{id}"
    assert spans[1]["status"]["code"] == "STATUS_CODE_ERROR"
    # The route reaches the duration histogram too.
    receiver.wait_for(lambda: any(m["name"] == "http.server.request.duration" for m in receiver.metrics))
    routes = {
        m["point"]["attributes"].get("http.route")
        for m in receiver.metrics
        if m["name"] == "http.server.request.duration"
    }
    assert routes == {None, "/users/{id}"}


def test_plain_asgi(receiver: Receiver) -> None:
    served = instrument_app(
        asgi_app,
        service_name="asgi",
        routes=["/items/:sku", "/files/*"],
        **sdk_options(receiver),  # type: ignore[arg-type]
    )

    async def call(path: str) -> int:
        transport = httpx.ASGITransport(app=served)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return (await client.get(path)).status_code

    for path in ("/ping", "/items/9", "/files/a/b.txt"):
        assert asyncio.run(call(path)) == 200
    tracehouse.force_flush()
    receiver.wait_for(lambda: len(server_spans(receiver)) >= 3)
    spans = server_spans(receiver)
    assert [s["name"] for s in spans] == ["GET", "GET /items/:sku", "GET /files/*"]
    assert spans[0]["attributes"]["url.path"] == "/ping"
    assert spans[1]["attributes"]["http.route"] == "/items/:sku"
    receiver.wait_for(lambda: any(m["name"] == "http.server.request.duration" for m in receiver.metrics))
    routes = {
        m["point"]["attributes"].get("http.route")
        for m in receiver.metrics
        if m["name"] == "http.server.request.duration"
    }
    assert routes == {None, "/items/:sku", "/files/*"}


def test_unknown_app_is_returned_unchanged(receiver: Receiver, capsys: pytest.CaptureFixture[str]) -> None:
    thing = object()
    assert instrument_app(thing, service_name="x", **sdk_options(receiver)) is thing  # type: ignore[arg-type]
    assert "Cannot instrument a object: not a WSGI or ASGI app" in capsys.readouterr().err


def test_second_call_with_another_name_warns(receiver: Receiver, capsys: pytest.CaptureFixture[str]) -> None:
    instrument_app(wsgi_app, service_name="first", **sdk_options(receiver))  # type: ignore[arg-type]
    instrument_app(asgi_app, service_name="second")
    err = capsys.readouterr().err
    assert 'Cannot start the SDK again as "second": it already runs as "first"' in err
    assert tracehouse.is_started()


def test_unknown_option_warns_and_never_raises(capsys: pytest.CaptureFixture[str]) -> None:
    served = instrument_app(wsgi_app, service_name="x", colour="blue", env={}, endpoint="http://127.0.0.1:9")  # type: ignore[call-arg]
    assert "Cannot use unknown option(s) colour: ignored" in capsys.readouterr().err
    assert Client(served).get("/").status_code == 200
    tracehouse.shutdown(timeout_millis=500)  # nothing listens on port 9


def test_disabled_is_a_no_op() -> None:
    assert instrument_app(wsgi_app, service_name="off", env={"OTEL_SDK_DISABLED": "true"}) is wsgi_app
    assert not tracehouse.is_started()
    assert tracehouse.init(service_name="off", disabled=True) is False


def test_unreachable_endpoint_does_not_break_requests() -> None:
    served = instrument_app(wsgi_app, service_name="lost", endpoint="http://127.0.0.1:9", env={})
    assert Client(served).get("/").status_code == 200
    tracehouse.shutdown(timeout_millis=500)


class _Echo(BaseHTTPRequestHandler):
    seen: list[dict[str, str]] = []  # noqa: RUF012

    def do_GET(self) -> None:
        _Echo.seen.append(dict(self.headers.items()))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_clients_propagate_context_and_exports_are_untraced(receiver: Receiver) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/downstream"
    try:
        tracehouse.init(service_name="client", token="t0ken", **sdk_options(receiver))  # type: ignore[arg-type]
        with tracehouse.span("parent") as parent:
            requests.get(url, timeout=5)
            httpx.get(url, timeout=5)
            urllib3.PoolManager().request("GET", url)
        trace_id = format(parent.get_span_context().trace_id, "032x")
        assert len(_Echo.seen) == 3
        for headers in _Echo.seen:
            assert headers["traceparent"].split("-")[1] == trace_id
        tracehouse.force_flush()
        receiver.wait_for(lambda: len([s for s in receiver.spans if s["kind"] == "SPAN_KIND_CLIENT"]) >= 3)
        clients = [s for s in receiver.spans if s["kind"] == "SPAN_KIND_CLIENT"]
        assert len(clients) == 3  # requests over urllib3 is one span, not two
        assert all("/v1/" not in s["attributes"].get("url.full", "") for s in receiver.spans)
        assert all(h.get("authorization") == "Bearer t0ken" for h in receiver.headers)  # the exporter lower-cases
    finally:
        server.shutdown()
        server.server_close()
        _Echo.seen.clear()


def test_shutdown_is_idempotent_and_init_runs_again(receiver: Receiver) -> None:
    assert tracehouse.init(service_name="one", **sdk_options(receiver))  # type: ignore[arg-type]
    tracehouse.shutdown()
    tracehouse.shutdown()
    assert not tracehouse.is_started()
    assert tracehouse.init(service_name="two", **sdk_options(receiver))  # type: ignore[arg-type]
    with tracehouse.span("after restart"):
        pass
    tracehouse.force_flush()
    receiver.wait_for(lambda: any(s["name"] == "after restart" for s in receiver.spans))
    assert next(s for s in receiver.spans if s["name"] == "after restart")["resource"]["service.name"] == "two"
