"""URL slugs from titles: ASCII, lower case, hyphens ('Zero-emissie bouwlogistiek' → …)."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session


def slugify(text: str, max_length: int = 80) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-")


def unique_slug(session: Session, model: Any, text: str, fallback: str, current_id: int | None = None) -> str:
    """A free slug for a row of `model` (which has a unique `slug` column): 'x', 'x-2', 'x-3'…

    The base is cut so that base and suffix together still fit the column."""
    length = model.__table__.c.slug.type.length or 80
    base = slugify(text, max_length=min(80, length)) or fallback
    slug, counter = base, 2
    with session.no_autoflush:
        while session.scalar(select(model.id).where(model.slug == slug)) not in (None, current_id):
            suffix = f"-{counter}"
            slug, counter = f"{base[:length - len(suffix)].rstrip('-')}{suffix}", counter + 1
    return slug
