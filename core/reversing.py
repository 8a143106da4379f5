"""URLs of views that take one primary key, reversed once per page instead of once per
row: ``reverse()`` resolves the pattern on every call, and ``{% url %}`` in a list of 50
rows with several links each was about a quarter of the work queue's rendering
(docs/performance.md)."""

from __future__ import annotations

from django.urls import reverse

# A number no view's URL contains by itself: the place the key goes.
_SENTINEL = "2147480009"


class PkUrl:
    """``PkUrl("app:name")(pk)`` is ``reverse("app:name", args=[pk])``."""

    def __init__(self, name: str) -> None:
        path = reverse(name, args=[int(_SENTINEL)])
        if path.count(_SENTINEL) != 1:
            raise ValueError(f"{name}: cannot tell the key's place in {path}")
        self.head, _, self.tail = path.partition(_SENTINEL)

    def __call__(self, pk: int) -> str:
        return f"{self.head}{int(pk)}{self.tail}"
