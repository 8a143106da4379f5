"""The start page after login."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from registry.models import Person
from registry.selectors import person_memberships_on


def home(request: HttpRequest) -> HttpResponse:
    person = (
        Person.objects.filter(user__username=request.user.get_username())
        .select_related("principal")
        .first()
    )
    memberships = (
        list(person_memberships_on(person=person, on=timezone.localdate())) if person else []
    )
    return render(request, "core/home.html", {"person": person, "memberships": memberships})
