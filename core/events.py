"""Writing domain events. Called only from actions, inside their transaction."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from core.actors import ActingUser, actor_of
from core.models import DomainEvent


def domain_event_record(
    *,
    kind: str,
    obj: models.Model,
    acting_user: ActingUser,
    from_status: str = "",
    to_status: str = "",
    data: dict[str, Any] | None = None,
) -> DomainEvent:
    """Append one event about ``obj``; the caller's transaction makes it atomic with the change."""
    return DomainEvent.objects.create(
        kind=kind,
        content_type=ContentType.objects.get_for_model(obj),
        object_id=str(obj.pk),
        from_status=from_status,
        to_status=to_status,
        occurred_at=timezone.now(),
        actor=actor_of(acting_user),
        data=data or {},
    )
