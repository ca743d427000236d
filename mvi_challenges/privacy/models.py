"""A person's export of their data, prepared by the worker when there is one (see jobs.py)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..core.db import Base, intpk


class DataExport(Base):
    """One requested ZIP. The file lives in the upload storage (shared by all servers) under
    `storage_key` until `expires_at`; then the row and the file go."""

    __tablename__ = "data_exports"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    requested_at: Mapped[dt.datetime]
    ready_at: Mapped[dt.datetime | None]
    expires_at: Mapped[dt.datetime]
    storage_key: Mapped[str | None] = mapped_column(String(64))
    size_bytes: Mapped[int | None]
