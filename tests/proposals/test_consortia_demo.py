"""The demo shows a consortium: an SBIR proposal by an SME with a knowledge institute, and an open invitation."""

from __future__ import annotations

from types import SimpleNamespace

from flask import Flask
from sqlalchemy import select

from mvi_challenges.core.db import db
from mvi_challenges.proposals.models import ConsortiumPartner, PartnerStatus, Proposal

from ..factories import login, page_text


def test_demo_has_an_sbir_consortium_and_a_waiting_invitation(app: Flask) -> None:
    assert app.test_cli_runner().invoke(args=["seed-demo"]).exit_code == 0
    with app.app_context():
        roofs = db.session.scalar(select(Proposal).where(Proposal.title == "Koele daken met sensoren"))
        assert roofs.call.kind.value == "sbir"
        assert [p["name"] for p in roofs.latest_version.consortium] == ["Kennisinstituut Stadsklimaat Utrecht"]
        assert roofs.has_unsubmitted_changes is False
        statuses = sorted(p.status for p in db.session.scalars(select(ConsortiumPartner)))
        assert statuses == [PartnerStatus.CONFIRMED, PartnerStatus.INVITED]
        roofs_id = roofs.id
    researcher = app.test_client()
    login(researcher, SimpleNamespace(email="kennis@demo.mvi.example", password="demo-wachtwoord"))
    researcher.post("/language", data={"lang": "en", "next": "/"})
    page = page_text(researcher.get(f"/proposals/{roofs_id}"))
    assert "Kennisinstituut Stadsklimaat Utrecht" in page and "€12,000" in page.replace("€ ", "€")
    assert "Koele daken met sensoren" in page_text(researcher.get("/my/proposals"))
    assert app.test_cli_runner().invoke(args=["seed-demo"]).exit_code == 0  # idempotent
    with app.app_context():
        assert len(list(db.session.scalars(select(ConsortiumPartner)))) == 2
