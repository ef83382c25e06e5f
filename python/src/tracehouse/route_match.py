"""Route templates for apps without a router (plain WSGI/ASGI callables), as the ``routes``
option of the TypeScript SDK: ``/users/{id}`` (or ``/users/:id``) matches one path segment, a
trailing ``*`` the rest of the path; the first template that matches wins."""

from __future__ import annotations

import re
from collections.abc import Sequence

from tracehouse._warn import warn

_PARAM = re.compile(r"^(?:\{[A-Za-z_][A-Za-z0-9_]*(?::[^}]*)?\}|:[A-Za-z_][A-Za-z0-9_]*|<(?:[a-z]+:)?[A-Za-z_]\w*>)$")


class RouteMatcher:
    """Compiles templates once; :meth:`match` returns the template a path belongs to.

    >>> RouteMatcher(["/users/{id}", "/static/*"]).match("/users/42")
    '/users/{id}'
    >>> RouteMatcher(["/users/{id}"]).match("/users/42/orders") is None
    True
    """

    def __init__(self, templates: Sequence[str]) -> None:
        self._compiled: list[tuple[re.Pattern[str], str]] = []
        for template in templates:
            pattern = _compile(template)
            if pattern is None:
                warn(f"route:{template}", f'Cannot use route "{template}": a route starts with "/"; skipped')
                continue
            self._compiled.append((pattern, template))

    def match(self, path: str) -> str | None:
        """The first template matching ``path``, or ``None``."""
        for pattern, template in self._compiled:
            if pattern.fullmatch(path):
                return template
        return None


def _compile(template: str) -> re.Pattern[str] | None:
    if not isinstance(template, str) or not template.startswith("/"):
        return None
    parts: list[str] = []
    segments = template.split("/")[1:]
    for index, segment in enumerate(segments):
        if segment == "*" and index == len(segments) - 1:
            parts.append("/.*")
        elif _PARAM.match(segment):
            parts.append("/[^/]+")
        else:
            parts.append("/" + re.escape(segment))
    return re.compile("".join(parts) or "/")
