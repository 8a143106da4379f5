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
    # The queryset refuses first; the trigger refuses even raw SQL that goes around it.
    with pytest.raises(AppendOnlyError):
        DomainEvent.objects.filter(pk=event.pk).update(kind="rewritten")
    for sql in (
        "UPDATE core_domainevent SET kind = 'rewritten' WHERE id = %s",
        "DELETE FROM core_domainevent WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [event.pk])
    assert DomainEvent.objects.filter(pk=event.pk, kind=event.kind).exists()
