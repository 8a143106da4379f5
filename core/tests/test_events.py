import pytest
from django.db import connection, transaction

from core.models import AppendOnlyError, DomainEvent

pytestmark = pytest.mark.django_db


def test_events_cannot_be_changed_or_deleted_through_the_app():
    event = DomainEvent.objects.first()
    assert event is not None  # loading the reference data wrote events
    event.kind = "rewritten"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    assert DomainEvent.objects.filter(kind="rewritten").count() == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL")
def test_postgres_refuses_raw_updates_of_events():
    from django.db.utils import DatabaseError

    event = DomainEvent.objects.first()
    assert event is not None
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        DomainEvent.objects.filter(pk=event.pk).update(kind="rewritten")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        DomainEvent.objects.filter(pk=event.pk).delete()
