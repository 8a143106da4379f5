"""Who acts: every action takes ``acting_user``, which may be a script (None)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User

ActingUser = AbstractBaseUser | AnonymousUser | None


def actor_of(acting_user: ActingUser) -> User | None:
    """The user to record as actor: None for scripts and anonymous callers."""
    return acting_user if isinstance(acting_user, User) else None
