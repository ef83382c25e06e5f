"""Flask through the SDK's WSGI middleware (:mod:`tracehouse.wsgi_server`), with no per-request hook.

The route template is read when Flask starts the response: Werkzeug's request object is then still
in the environ (``environ["werkzeug.request"]``, cleared when the request context ends) and holds the
matched rule. An unhandled exception, which Flask turns into a 500 response before the middleware
sees it, is recorded as the span's ``exception`` event by a ``got_request_exception`` receiver, which
runs only when there is one.

Why not ``opentelemetry-instrumentation-flask``: it builds the request attributes twice, sets every
span attribute twice, computes ``request.url`` three times for its excluded-URL check and goes
through Werkzeug's context proxies some thirty times per request; on a small route that was about
a third of the CPU the instrumentation added.
"""

from __future__ import annotations

from typing import Any

from opentelemetry.metrics import MeterProvider
from opentelemetry.trace import TracerProvider

from tracehouse.wsgi_server import EXCHANGE_KEY, Environ, Exchange, WsgiServer, excluded_urls

_MARK = "_is_instrumented_by_opentelemetry"  # the flag the official Flask instrumentor checks too


def instrument_flask(app: Any, tracer_provider: TracerProvider, meter_provider: MeterProvider) -> None:
    """Wraps ``app.wsgi_app`` in the middleware and connects the exception receiver; once per app."""
    from flask import got_request_exception

    if getattr(app, _MARK, False):
        return
    app.wsgi_app = WsgiServer(
        app.wsgi_app,
        tracer_provider,
        meter_provider,
        route_at_response=_route,
        excluded=excluded_urls("flask"),
    )
    got_request_exception.connect(_record_exception, app)
    setattr(app, _MARK, True)


def _route(environ: Environ) -> str | None:
    """The matched rule's template; ``None`` for a 404/405 (the span keeps the method alone)."""
    rule = getattr(environ.get("werkzeug.request"), "url_rule", None)
    return getattr(rule, "rule", None)


def _record_exception(sender: Any, exception: BaseException, **extra: Any) -> None:
    from flask import request

    exchange: Exchange | None = request.environ.get(EXCHANGE_KEY)
    if exchange is not None:
        route = _route(request.environ)
        if route is not None:  # an exception that propagates to the server ends the span before any response
            exchange.set_route(route)
        exchange.record_exception(exception)
