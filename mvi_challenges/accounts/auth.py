"""Authentication glue: the login manager, the `require` decorator and safe redirects.

Authorization questions themselves are named predicates in each area's `permissions.py`;
`require(predicate)` is how a view asks one: anonymous users are sent to the login page,
logged-in users without permission get 403.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import abort, current_app, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import AnonymousUserMixin, LoginManager, current_user
from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import joinedload

from ..core.db import db
from .models import Role, User
from .services import is_demo_account

login_manager = LoginManager()
login_manager.login_view = "accounts.login"
login_manager.login_message = _l("Please log in to see this page.")
login_manager.login_message_category = "info"


class Anonymous(AnonymousUserMixin):
    roles: frozenset[Role] = frozenset()
    organisation_id = None
    id = None

    def has_role(self, role: Role) -> bool:
        return False


login_manager.anonymous_user = Anonymous


@functools.cache
def _person_statement() -> Select[tuple[User]]:
    """One query with the roles joined: every logged-in page loads its person first. Built once with
    the id as a parameter: composing it and its cache key anew cost more than running it (#20)."""
    return select(User).options(joinedload(User.role_rows)).where(User.id == bindparam("uid"))


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The cookie holds `<id>.<auth_version>`; a stale version means a revoked session."""
    try:
        raw_id, raw_version = user_id.split(".", 1)
        uid, version = int(raw_id), int(raw_version)
    except ValueError:
        return None
    user = db.session.scalars(_person_statement(), {"uid": uid}).unique().first()
    if user is None or user.auth_version != version or user.blocked:
        return None
    if current_app.config["MVI_ENV"] == "production" and is_demo_account(user):
        return None  # the demo's published passwords and secret never open anything in production
    return user


F = TypeVar("F", bound=Callable[..., Any])


def require(predicate: Callable[[Any], bool]) -> Callable[[F], F]:
    """Allow the view only when `predicate(current_user)` holds."""

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not predicate(current_user):
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def require_login(view: F) -> F:
    return require(lambda user: True)(view)


def is_safe_next(target: str | None) -> bool:
    """Only same-site relative paths: no scheme, no host, no `//evil` or backslash tricks."""
    if not target:
        return False
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return False
    parts = urlsplit(target)
    # `///evil.example` has no netloc for urlsplit, but a browser reads it as //evil.example.
    return not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//")


def redirect_next(default_endpoint: str = "public.home") -> Any:
    target = request.values.get("next")
    return redirect(target if is_safe_next(target) else url_for(default_endpoint))
