"""Flask through the SDK's WSGI middleware (:mod:`tracehouse.wsgi_server`) plus one Flask hook.

The ``teardown_request`` hook runs at the end of every request, while Werkzeug's request object
still holds the matched rule: it hands the route template to the request's span (named
``METHOD route`` when it ends), and records an unhandled exception, which only reaches the
teardown hooks (Flask has already turned it into a 500 response), as the ``exception`` event.

Why not ``opentelemetry-instrumentation-flask``: it builds the request attributes twice, sets every
span attribute twice, computes ``request.url`` three times for its excluded-URL check and goes
through Werkzeug's context proxies some thirty times per request; on a small route that was about
a third of the CPU the instrumentation added.
"""

from __future__ import annotations

from typing import Any

from opentelemetry.metrics import MeterProvider
from opentelemetry.trace import TracerProvider

from tracehouse.wsgi_server import EXCHANGE_KEY, Exchange, WsgiServer, excluded_urls

_MARK = "_is_instrumented_by_opentelemetry"  # the flag the official Flask instrumentor checks too


def instrument_flask(app: Any, tracer_provider: TracerProvider, meter_provider: MeterProvider) -> None:
    """Wraps ``app.wsgi_app`` in the middleware and registers the hook; once per app."""
    if getattr(app, _MARK, False):
        return
    app.wsgi_app = WsgiServer(app.wsgi_app, tracer_provider, meter_provider, excluded=excluded_urls("flask"))
    app.teardown_request(_end_of_request)
    setattr(app, _MARK, True)


def _end_of_request(error: BaseException | None) -> None:
    from flask import request

    exchange: Exchange | None = request.environ.get(EXCHANGE_KEY)
    if exchange is None:
        return
    rule = request.url_rule
    if rule is not None:  # None for a 404/405: the span keeps the method alone
        exchange.set_route(rule.rule)
    if error is not None:
        exchange.record_exception(error)
