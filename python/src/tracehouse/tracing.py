"""Manual tracing: the ``tracer``, the ``span(...)`` context manager, the ``@traced`` decorator."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, ParamSpec, TypeVar, overload

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import Link, Span, SpanKind, Status, StatusCode, Tracer
from opentelemetry.util import types
from opentelemetry.util._decorator import _agnosticcontextmanager

from tracehouse._version import __version__

_SCOPE = "tracehouse"

P = ParamSpec("P")
R = TypeVar("R")


def get_tracer(name: str = _SCOPE, version: str | None = None) -> Tracer:
    """The OpenTelemetry ``Tracer`` of an instrumentation scope (default ``tracehouse``).

    A no-op until the SDK runs; use it for anything :func:`span` does not cover.
    """
    return trace.get_tracer(name, version or (__version__ if name == _SCOPE else None))


class _CurrentTracer(Tracer):
    """A ``Tracer`` that always uses the current global provider.

    ``trace.get_tracer()`` binds to the provider set at the time of the call; this one also keeps
    working across ``shutdown()`` + ``init()`` and when imported before the SDK starts.
    """

    def __init__(self) -> None:
        self._provider: object = None
        self._tracer: Tracer | None = None

    def _current(self) -> Tracer:
        provider = trace.get_tracer_provider()
        if self._tracer is None or provider is not self._provider:
            self._provider = provider
            self._tracer = provider.get_tracer(_SCOPE, __version__)
        return self._tracer

    def start_span(
        self,
        name: str,
        context: Context | None = None,
        kind: SpanKind = SpanKind.INTERNAL,
        attributes: types.Attributes = None,
        links: Sequence[Link] | None = None,
        start_time: int | None = None,
        record_exception: bool = True,
        set_status_on_exception: bool = True,
    ) -> Span:
        return self._current().start_span(
            name, context, kind, attributes, links, start_time, record_exception, set_status_on_exception
        )

    @_agnosticcontextmanager  # as the API's own tracers, so the override has the same type
    def start_as_current_span(
        self,
        name: str,
        context: Context | None = None,
        kind: SpanKind = SpanKind.INTERNAL,
        attributes: types.Attributes = None,
        links: Sequence[Link] | None = None,
        start_time: int | None = None,
        record_exception: bool = True,
        set_status_on_exception: bool = True,
        end_on_exit: bool = True,
    ) -> Iterator[Span]:
        with self._current().start_as_current_span(
            name,
            context,
            kind,
            attributes,
            links,
            start_time,
            record_exception,
            set_status_on_exception,
            end_on_exit,
        ) as current:
            yield current


#: The ``tracehouse`` tracer; follows the running SDK (a no-op before it starts).
tracer: Tracer = _CurrentTracer()


def record_exception(error: BaseException, span: Span | None = None) -> None:
    """Records ``error`` on ``span`` (default: the active span) and marks the span as an error.

    Adds an ``exception`` event and sets ``error.type`` and status ``Error``.
    """
    target = span or trace.get_current_span()
    target.record_exception(error)
    target.set_attribute("error.type", type(error).__qualname__)
    target.set_status(Status(StatusCode.ERROR, str(error) or type(error).__qualname__))


@contextmanager
def span(
    name: str,
    attributes: Mapping[str, types.AttributeValue] | None = None,
    *,
    kind: SpanKind = SpanKind.INTERNAL,
) -> Iterator[Span]:
    """Runs the ``with`` block in a new span, child of the active one.

    An exception leaving the block is recorded (``exception`` event, status ``Error``,
    ``error.type``) and re-raised unchanged.

    >>> from tracehouse import span
    >>> with span("sum", {"items.count": 2}) as current:
    ...     current.set_attribute("total", 3)
    """
    with tracer.start_as_current_span(
        name, kind=kind, attributes=attributes, record_exception=False, set_status_on_exception=False
    ) as current:
        try:
            yield current
        except BaseException as error:
            if not isinstance(error, GeneratorExit):
                record_exception(error, current)
            raise


@overload
def traced(fn: Callable[P, R], /) -> Callable[P, R]: ...


@overload
def traced(
    *, name: str | None = None, attributes: Mapping[str, types.AttributeValue] | None = None
) -> Callable[[Callable[P, R]], Callable[P, R]]: ...


def traced(
    fn: Callable[P, R] | None = None,
    /,
    *,
    name: str | None = None,
    attributes: Mapping[str, types.AttributeValue] | None = None,
) -> Callable[P, R] | Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorator: every call of the function runs in a span (default name: its qualified name).

    Works on plain and ``async`` functions; exceptions are recorded as in :func:`span`.

    >>> from tracehouse import traced
    >>> @traced
    ... def add(a: int, b: int) -> int:
    ...     return a + b
    >>> add(1, 2)
    3
    """

    def decorate(function: Callable[P, R]) -> Callable[P, R]:
        span_name = name or function.__qualname__
        if inspect.iscoroutinefunction(function):
            coroutine: Callable[P, Awaitable[Any]] = function

            @functools.wraps(function)
            async def run_async(*args: P.args, **kwargs: P.kwargs) -> Any:
                with span(span_name, attributes):
                    return await coroutine(*args, **kwargs)

            return run_async  # type: ignore[return-value]

        @functools.wraps(function)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            with span(span_name, attributes):
                return function(*args, **kwargs)

        return run

    return decorate(fn) if fn is not None else decorate
