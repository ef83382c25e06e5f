"""``log.debug/info/warn/error(message, attributes)``: OTLP log records carrying the active span's
trace and span ids, like ``log`` in the TypeScript SDK."""

from __future__ import annotations

import traceback
from collections.abc import Mapping
from typing import Any

from opentelemetry import _logs, context
from opentelemetry._logs import Logger, SeverityNumber

from tracehouse._version import __version__
from tracehouse._warn import warn

_SCOPE = "tracehouse"

LogAttributes = Mapping[str, Any]


def get_logger(name: str = _SCOPE, version: str | None = None) -> Logger:
    """The OpenTelemetry (logs API) ``Logger`` of an instrumentation scope (default ``tracehouse``)."""
    return _logs.get_logger(name, version or (__version__ if name == _SCOPE else ""))


class Log:
    """Emits log records straight to the SDK (no ``logging`` handler involved)."""

    def debug(self, message: str, attributes: LogAttributes | None = None) -> None:
        """A ``DEBUG`` record."""
        self._emit(SeverityNumber.DEBUG, "DEBUG", message, attributes)

    def info(self, message: str, attributes: LogAttributes | None = None) -> None:
        """An ``INFO`` record."""
        self._emit(SeverityNumber.INFO, "INFO", message, attributes)

    def warn(self, message: str, attributes: LogAttributes | None = None) -> None:
        """A ``WARN`` record."""
        self._emit(SeverityNumber.WARN, "WARN", message, attributes)

    warning = warn

    def error(self, message: str, attributes: LogAttributes | None = None) -> None:
        """An ``ERROR`` record; an exception under the ``error`` key becomes ``exception.*`` attributes."""
        self._emit(SeverityNumber.ERROR, "ERROR", message, attributes)

    def _emit(self, severity: SeverityNumber, text: str, message: str, attributes: LogAttributes | None) -> None:
        try:
            get_logger().emit(
                context=context.get_current(),
                severity_number=severity,
                severity_text=text,
                body=str(message),
                attributes=_attributes(attributes),
            )
        except Exception as error:  # noqa: BLE001 - logging must never break the app
            warn("log", f"Cannot emit a log record: {error!r}")


def _attributes(attributes: LogAttributes | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in (attributes or {}).items():
        if isinstance(value, BaseException):
            out["exception.type"] = type(value).__qualname__
            out["exception.message"] = str(value)
            out["exception.stacktrace"] = "".join(traceback.format_exception(value))
        elif isinstance(value, str | bool | int | float):
            out[key] = value
        elif isinstance(value, list | tuple) and all(isinstance(v, str | bool | int | float) for v in value):
            out[key] = list(value)
        else:
            out[key] = str(value)
    return out


#: Structured logging to OpenTelemetry: ``log.info("order placed", {"order.id": 42})``.
log = Log()
