"""API authentication: the browser session, or a bearer token."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from api.models import ApiToken, token_hash
from registry import access_cache
from registry.access import access_read

# At most one write of a token's "last used" stamp a minute, not one per request.
LAST_USED_STEP_SECONDS = 60


class TokenAuth(HttpBearer):
    """``Authorization: Bearer hmt_…``: the request acts as the token's user."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        key_hash = token_hash(token)
        key = "token:" + key_hash
        found = access_cache.cached(key, lambda: _token_read(key_hash))
        if found is None:
            return None
        token_pk, last_used_at, user = found
        now = timezone.now()
        if last_used_at is None or (now - last_used_at).total_seconds() > LAST_USED_STEP_SECONDS:
            ApiToken.objects.filter(pk=token_pk).update(last_used_at=now)
            access_cache.replace(key, (token_pk, now, user))
        request.user = user
        return user


def _token_read(key_hash: str) -> tuple[int, Any, Any] | None:
    """(token id, last used, user) of a live token, the user carrying their person,
    employer and memberships (every access check asks for them)."""
    api_token = (
        ApiToken.objects.select_related("user__person__principal")
        .filter(key_hash=key_hash, revoked=False, user__is_active=True)
        .first()
    )
    if api_token is None:
        return None
    access_read(api_token.user)
    return api_token.pk, api_token.last_used_at, api_token.user
