"""One-line metric instruments on the ``tracehouse`` meter: ``counter``, ``histogram``, ``gauge``.

Create an instrument once, keep it, use it per event. Instruments created before the SDK starts
become live when it starts.
"""

from __future__ import annotations

from opentelemetry import metrics
from opentelemetry.metrics import Counter, Histogram, Meter
from opentelemetry.metrics import _Gauge as Gauge

from tracehouse._version import __version__

_SCOPE = "tracehouse"


def get_meter(name: str = _SCOPE, version: str | None = None) -> Meter:
    """The OpenTelemetry ``Meter`` of an instrumentation scope (default ``tracehouse``)."""
    return metrics.get_meter(name, version or (__version__ if name == _SCOPE else ""))


def counter(name: str, unit: str = "", description: str = "") -> Counter:
    """A monotonic counter: ``counter("orders.placed", unit="{order}").add(1, {"payment.method": "card"})``."""
    return get_meter().create_counter(name, unit=unit, description=description)


def histogram(name: str, unit: str = "", description: str = "") -> Histogram:
    """A histogram: ``histogram("upload.size", unit="By").record(2048)``."""
    return get_meter().create_histogram(name, unit=unit, description=description)


def gauge(name: str, unit: str = "", description: str = "") -> Gauge:
    """A synchronous gauge (last value wins): ``gauge("queue.depth").set(12, {"queue": "emails"})``."""
    return get_meter().create_gauge(name, unit=unit, description=description)
