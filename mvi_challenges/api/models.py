"""Stored OCDS releases: written once when a contracting process changes, never rewritten.

OCDS means a release to be a fixed statement of what was known at its `date`: a reader who
fetched release X yesterday must find the same X today. So a release is stored the moment its
stage happens (or the moment an amendment of it is published, as a new release with its own id
and date), and the package page only concatenates the stored JSON texts.

A release belongs to one contracting process: a call's, or the planning process of a public
planned purchase (the pipeline). Exactly one of `call_id` and `planned_purchase_id` is set.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..core.db import Base, created_at, intpk


class OcdsRelease(Base):
    __tablename__ = "ocds_releases"
    __table_args__ = (
        UniqueConstraint("call_id", "stage", "version"),
        UniqueConstraint("planned_purchase_id", "stage", "version"),
        CheckConstraint("(call_id IS NULL) <> (planned_purchase_id IS NULL)", name="one_process"),
        # The package page reads a page of calls' (or plans') releases in this order.
        Index("ix_ocds_releases_call_order", "call_id", "date", "release_id"),
        Index("ix_ocds_releases_plan_order", "planned_purchase_id", "date", "release_id"),
    )

    id: Mapped[intpk]
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"))
    planned_purchase_id: Mapped[int | None] = mapped_column(ForeignKey("planned_purchases.id", ondelete="CASCADE"))
    release_id: Mapped[str] = mapped_column(String(200), unique=True)  # the OCDS `id`
    ocid: Mapped[str] = mapped_column(String(100))
    # The stage this release describes (tender, tender-closed, award-phase-1, contract-3, ...) and
    # which statement about it this is: 1 for the first, 2 and on for amendments.
    stage: Mapped[str] = mapped_column(String(100))
    version: Mapped[int]
    tag: Mapped[str] = mapped_column(String(40))
    date: Mapped[dt.datetime]
    # sha256 of the release without id, date and tag: tells whether a stage changed since.
    digest: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)  # the release as compact JSON, served as is
    created_at: Mapped[created_at]
