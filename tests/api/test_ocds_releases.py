"""Stored OCDS releases: written once, amended as new releases, never ahead of a publication.

Who would abuse it and how: an applicant (or a journalist) polls the OCDS package while the jury's
decisions are drafts, hoping the open data names a winner before the municipality publishes;
someone who saved yesterday's release compares it with today's to show the city rewrote history;
two staff members change the same call at once and the package ends up with a release twice.
"""

from __future__ import annotations

import datetime as dt
import json
import threading

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, func, select

from mvi_challenges.accounts.models import Role
from mvi_challenges.api.models import OcdsRelease
from mvi_challenges.api.releases import backfill, record_releases
from mvi_challenges.calls.models import Call, CallStatus
from mvi_challenges.calls.services import announce_change, transition_call
from mvi_challenges.core.db import db
from mvi_challenges.core.timezones import now_utc
from tests.factories import decide_and_publish, login, make_call, make_proposal, make_user
from tests.perf.conftest import counted_queries

from .test_ocds import assert_valid_package

URL = "/api/v1/ocds/releases.json"


def _releases(client: FlaskClient, url: str = URL) -> dict[str, dict]:
    response = client.get(url)
    assert response.status_code == 200
    return {release["id"]: release for release in response.get_json()["releases"]}


def _edit_title(app: Flask, call_id: int, title: str) -> None:
    """Staff correct the call's title: every edit of a public call announces the change."""
    with app.test_request_context():
        call = db.session.get(Call, call_id)
        call.title = title
        announce_change(db.session, call, "updated")
        db.session.commit()


def test_a_release_once_written_does_not_change(app: Flask, client: FlaskClient, catalogue) -> None:
    call = make_call(app, title="Schone lucht")
    ocid = f"ocds-mviutr-call-{call.id}"
    first = _releases(client)
    assert list(first) == [f"{ocid}-tender"]
    _edit_title(app, call.id, "Schone lucht, nu met bomen")
    second = _releases(client)
    # Rendered again, after the call changed: the release published before is byte for byte the same.
    assert second[f"{ocid}-tender"] == first[f"{ocid}-tender"]
    assert second[f"{ocid}-tender"]["tender"]["title"] == "Schone lucht"


def test_a_change_is_a_new_release_with_its_own_id_and_date(app: Flask, client: FlaskClient, catalogue) -> None:
    call = make_call(app, title="Schone lucht")
    ocid = f"ocds-mviutr-call-{call.id}"
    _edit_title(app, call.id, "Schone lucht, nu met bomen")
    _edit_title(app, call.id, "Schone lucht, met bomen en water")
    response = client.get(URL)
    assert_valid_package(response.get_json())
    releases = _releases(client)
    assert list(releases) == [f"{ocid}-tender", f"{ocid}-tender-amendment-1", f"{ocid}-tender-amendment-2"]
    amended = releases[f"{ocid}-tender-amendment-2"]
    assert amended["tag"] == ["tenderAmendment"] and amended["ocid"] == ocid
    assert amended["tender"]["title"] == "Schone lucht, met bomen en water"
    assert amended["date"] >= releases[f"{ocid}-tender-amendment-1"]["date"] > releases[f"{ocid}-tender"]["date"]
    # Announcing a change that changed nothing writes nothing.
    _edit_title(app, call.id, "Schone lucht, met bomen en water")
    assert len(_releases(client)) == 3


def test_a_closed_call_is_a_new_stage_not_a_rewrite(app: Flask, client: FlaskClient, catalogue) -> None:
    call = make_call(app)
    ocid = f"ocds-mviutr-call-{call.id}"
    before = _releases(client)
    with app.test_request_context():
        transition_call(db.session, None, db.session.get(Call, call.id), CallStatus.CLOSED, reason="Vol.")
        db.session.commit()
    after = _releases(client)
    assert after[f"{ocid}-tender"] == before[f"{ocid}-tender"]
    assert after[f"{ocid}-tender-closed"]["tag"] == ["tenderUpdate"]


def test_no_winner_in_ocds_before_the_decisions_are_published(app: Flask, client: FlaskClient, catalogue) -> None:
    """The adversary: an applicant polling the open data while the decisions are drafts."""
    from mvi_challenges.evaluation import services as evaluation
    from mvi_challenges.evaluation.models import Outcome
    from mvi_challenges.proposals.models import Proposal

    call = make_call(app, title="Slimme verlichting")
    winner = make_user(app, Role.ENTREPRENEUR, organisation_name="Lichtgevend BV")
    loser = make_user(app, Role.ENTREPRENEUR, organisation_name="Schemer BV")
    won = make_proposal(app, winner, call, submit=True, title="Lampen die luisteren")
    lost = make_proposal(app, loser, call, submit=True, title="Donker is ook mooi")
    with app.test_request_context():
        called = db.session.get(Call, call.id)
        called.phases[0].closes_at = now_utc() - dt.timedelta(minutes=5)
        transition_call(db.session, None, called, CallStatus.CLOSED, reason="")
        evaluation.decide(db.session, None, db.session.get(Proposal, won.id), Outcome.AWARDED, "Beste plan.")
        evaluation.decide(db.session, None, db.session.get(Proposal, lost.id), Outcome.NOT_AWARDED, "Minder.")
        # Any change of the call now writes releases: they must not carry the draft decisions.
        announce_change(db.session, called, "updated")
        db.session.commit()
    login(client, loser)
    text = client.get(URL).get_data(as_text=True)
    for secret in ("Lichtgevend BV", "Lampen die luisteren", "Beste plan.", '"award"', "awards"):
        assert secret not in text, secret
    with app.app_context():
        stored = " ".join(db.session.scalars(select(OcdsRelease.body)))
        stages = set(db.session.scalars(select(OcdsRelease.stage)))
    # Nor waiting in the table for a later page to show.
    assert "Lichtgevend BV" not in stored and "Lampen die luisteren" not in stored
    assert stages == {"tender", "tender-closed"}

    decide_and_publish(app, call, {})  # staff publish the decisions they drafted
    releases = _releases(client)
    award = releases[f"ocds-mviutr-call-{call.id}-award-phase-1"]
    assert [a["suppliers"][0]["name"] for a in award["awards"]] == ["Lichtgevend BV"]


def test_lazy_fill_and_backfill_write_each_stage_once(app: Flask, client: FlaskClient, catalogue) -> None:
    """Data from before the release store: the page or `flask ocds-backfill` writes it, once."""
    calls = [make_call(app) for _ in range(3)]
    with app.app_context():
        db.session.execute(OcdsRelease.__table__.delete())
        db.session.commit()
        assert backfill(db.session) == 3
        db.session.commit()
        assert backfill(db.session) == 0  # nothing missing any more
        db.session.execute(OcdsRelease.__table__.delete().where(OcdsRelease.call_id == calls[0].id))
        db.session.commit()
    assert len(_releases(client)) == 3  # the page wrote the missing one
    assert len(_releases(client)) == 3
    with app.app_context():
        assert db.session.scalar(select(func.count(OcdsRelease.id))) == 3


def test_a_draft_call_has_no_releases(app: Flask, client: FlaskClient, catalogue) -> None:
    draft = make_call(app, status=CallStatus.DRAFT, title="Nog geheim plan")
    with app.test_request_context():
        assert record_releases(db.session, [db.session.get(Call, draft.id)]) == []
        assert backfill(db.session) == 0
    assert "Nog geheim plan" not in client.get(URL).get_data(as_text=True)


def test_racing_changes_store_each_release_once(app: Flask, client: FlaskClient, catalogue) -> None:
    """Two requests record the same call's new stage at once: the row lock makes the second wait
    and find the first's release, so nothing is stored twice and neither fails."""
    call = make_call(app)
    with app.app_context():
        db.session.execute(OcdsRelease.__table__.delete())
        db.session.commit()
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def record() -> None:
        try:
            with app.app_context():
                barrier.wait()
                record_releases(db.session, [db.session.get(Call, call.id)])
                db.session.commit()
                db.session.remove()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=record) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    with app.app_context():
        ids = list(db.session.scalars(select(OcdsRelease.release_id)))
    assert ids == [f"ocds-mviutr-call-{call.id}-tender"]


def test_the_package_serves_the_stored_text(app: Flask, client: FlaskClient, catalogue) -> None:
    """What the package shows is what was stored: nothing is rebuilt from the call per request."""
    call = make_call(app, title="Origineel")
    with app.app_context():
        row = db.session.scalar(select(OcdsRelease).where(OcdsRelease.call_id == call.id))
        release = json.loads(row.body)
        release["tender"]["title"] = "Zoals opgeslagen"
        row.body = json.dumps(release)
        db.session.commit()
    assert _releases(client)[f"ocds-mviutr-call-{call.id}-tender"]["tender"]["title"] == "Zoals opgeslagen"


# --- the package's ETag: derived from which stored releases a page holds, not from its megabyte ---


def _etag(client: FlaskClient, url: str = URL) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.headers["ETag"]


def test_the_package_etag_changes_with_a_new_release_of_a_call_on_the_page(app: Flask, client: FlaskClient,
                                                                           catalogue) -> None:
    first, second = make_call(app, title="Schone lucht"), make_call(app, title="Stille straten")
    page_one, page_two = f"{URL}?per_page=1&page=1", f"{URL}?per_page=1&page=2"
    before = client.get(page_one)
    etag = before.headers["ETag"]
    assert client.get(page_one).headers["ETag"] == etag  # the same page twice: the same ETag
    assert client.get(page_one, headers={"If-None-Match": etag}).status_code == 304
    other_page = _etag(client, page_two)
    _edit_title(app, first.id, "Schone lucht, nu met bomen")  # a new release of the call on page one
    response = client.get(page_one, headers={"If-None-Match": etag})
    assert response.status_code == 200 and response.headers["ETag"] != etag
    assert [r["id"] for r in response.get_json()["releases"]] == [
        f"ocds-mviutr-call-{first.id}-tender", f"ocds-mviutr-call-{first.id}-tender-amendment-1"]
    assert response.data == client.get(page_one).data  # the same bytes with or without a condition
    assert client.get(page_one, headers={"If-None-Match": response.headers["ETag"]}).status_code == 304
    # The other call's page did not change: its copy stays current.
    assert client.get(page_two, headers={"If-None-Match": other_page}).status_code == 304
    assert second.id != first.id


def test_a_current_copy_of_the_package_is_confirmed_without_reading_the_releases(app: Flask, client: FlaskClient,
                                                                               catalogue) -> None:
    """A client polling the feed with If-None-Match gets its 304 from which releases the page holds;
    their texts (a megabyte on a page of 100 calls) are not read."""
    for n in range(3):
        make_call(app, title=f"Uitvraag {n}")
    etag = _etag(client)
    with app.app_context():
        engine = db.engine
    with counted_queries(engine) as statements:
        response = client.get(URL, headers={"If-None-Match": etag})
    assert response.status_code == 304 and response.data == b""
    assert response.headers["ETag"] == etag and response.headers["Access-Control-Allow-Origin"] == "*"
    assert len(statements) == 3, statements  # the count, the page's keys, which releases it holds
    assert not any("body" in statement for statement in statements), statements


def test_releases_written_afresh_get_a_new_etag_even_under_the_same_row_ids(app: Flask, client: FlaskClient,
                                                                          catalogue) -> None:
    """SQLite may give a deleted row's id to a new row: releases deleted and written again (with
    other content) must not be taken for the ones a client has."""
    call = make_call(app, title="Schone lucht")
    before = client.get(URL)
    with app.app_context():
        ids = list(db.session.scalars(select(OcdsRelease.id)))
        db.session.execute(delete(OcdsRelease))
        db.session.get(Call, call.id).title = "Schone lucht, opnieuw geschreven"  # no change announced
        db.session.commit()
    after = client.get(URL, headers={"If-None-Match": before.headers["ETag"]})  # the page writes them again
    assert after.status_code == 200 and after.headers["ETag"] != before.headers["ETag"]
    assert after.get_json()["releases"][0]["tender"]["title"] == "Schone lucht, opnieuw geschreven"
    with app.app_context():
        if db.engine.dialect.name == "sqlite":  # the case guarded here: the same row ids, another text
            assert list(db.session.scalars(select(OcdsRelease.id))) == ids
