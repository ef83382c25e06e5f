"""The meter provider handed to the official ASGI instrumentations (FastAPI, Starlette, plain ASGI
apps; WSGI apps go through :mod:`tracehouse.wsgi_server`): it turns
``http.server.active_requests`` into a no-op and gives ``http.server.request.duration`` the
``http.route`` of the request's span when the instrumentation did not add it.

The official instrumentations record the up-down counter twice per request (+1 and
-1); in the Python SDK each measurement hashes its attributes, which made that counter cost twice
as much per request as the duration histogram. The TypeScript SDK does not record it either.

When an instrumentation computes the histogram's attributes without ``http.route`` (the route
set on the span by ``default_span_details`` for plain apps), the request's span passed in the
``context`` of ``record()`` has it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.metrics import MeterProvider, NoOpUpDownCounter

_DROPPED = frozenset({"http.server.active_requests"})
_DURATION = "http.server.request.duration"
_ROUTE = "http.route"


class _RouteHistogram:
    """A ``Histogram`` that copies ``http.route`` from the span in ``context`` into the attributes."""

    def __init__(self, delegate: Any) -> None:
        self._delegate = delegate

    def record(
        self, amount: float, attributes: Mapping[str, Any] | None = None, context: Context | None = None
    ) -> None:
        if context is not None and (attributes is None or _ROUTE not in attributes):
            span_attributes = getattr(trace.get_current_span(context), "attributes", None)
            route = span_attributes.get(_ROUTE) if span_attributes else None
            if route is not None:
                attributes = {**(attributes or {}), _ROUTE: route}
        self._delegate.record(amount, attributes, context=context)

    def __getattr__(self, attribute: str) -> Any:
        return getattr(self._delegate, attribute)


class _ServerMeter:
    """A ``Meter`` that delegates everything except the dropped up-down counters."""

    def __init__(self, delegate: Any) -> None:
        self._delegate = delegate

    def create_up_down_counter(self, name: str, unit: str = "", description: str = "") -> Any:
        if name in _DROPPED:
            return NoOpUpDownCounter(name, unit=unit, description=description)
        return self._delegate.create_up_down_counter(name, unit=unit, description=description)

    def create_histogram(self, name: str, *args: Any, **kwargs: Any) -> Any:
        histogram = self._delegate.create_histogram(name, *args, **kwargs)
        return _RouteHistogram(histogram) if name == _DURATION else histogram

    def __getattr__(self, attribute: str) -> Any:
        return getattr(self._delegate, attribute)


class ServerMeterProvider:
    """Wraps a ``MeterProvider`` for the server instrumentations (duck-typed like one)."""

    def __init__(self, delegate: MeterProvider) -> None:
        self._delegate = delegate

    def get_meter(self, name: str, *args: Any, **kwargs: Any) -> Any:
        return _ServerMeter(self._delegate.get_meter(name, *args, **kwargs))
