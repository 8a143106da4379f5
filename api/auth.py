"""API authentication: the browser session, or a bearer token."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from api.models import ApiToken, token_hash


class TokenAuth(HttpBearer):
    """``Authorization: Bearer hmt_…``: the request acts as the token's user."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        api_token = (
            # The user's person (and employer) with it: every access check asks for it.
            ApiToken.objects.select_related("user__person__principal")
            .filter(key_hash=token_hash(token), revoked=False, user__is_active=True)
            .first()
        )
        if api_token is None:
            return None
        # At most one write a minute per token, not one per request.
        now = timezone.now()
        if api_token.last_used_at is None or (now - api_token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
        request.user = api_token.user
        return api_token.user
