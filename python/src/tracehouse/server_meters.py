"""The meter provider handed to the server instrumentations: it keeps
``http.server.request.duration`` and turns ``http.server.active_requests`` into a no-op.

The official WSGI/ASGI/Flask instrumentations record the up-down counter twice per request (+1 and
-1); in the Python SDK each measurement hashes its attributes, which made that counter cost twice
as much per request as the duration histogram. The TypeScript SDK does not record it either.
"""

from __future__ import annotations

from typing import Any

from opentelemetry.metrics import MeterProvider, NoOpUpDownCounter

_DROPPED = frozenset({"http.server.active_requests"})


class _ServerMeter:
    """A ``Meter`` that delegates everything except the dropped up-down counters."""

    def __init__(self, delegate: Any) -> None:
        self._delegate = delegate

    def create_up_down_counter(self, name: str, unit: str = "", description: str = "") -> Any:
        if name in _DROPPED:
            return NoOpUpDownCounter(name, unit=unit, description=description)
        return self._delegate.create_up_down_counter(name, unit=unit, description=description)

    def __getattr__(self, attribute: str) -> Any:
        return getattr(self._delegate, attribute)


class ServerMeterProvider:
    """Wraps a ``MeterProvider`` for the server instrumentations (duck-typed like one)."""

    def __init__(self, delegate: MeterProvider) -> None:
        self._delegate = delegate

    def get_meter(self, name: str, *args: Any, **kwargs: Any) -> Any:
        return _ServerMeter(self._delegate.get_meter(name, *args, **kwargs))
