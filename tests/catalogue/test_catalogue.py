from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from mvi_challenges.accounts.models import Role
from mvi_challenges.catalogue.models import Category, SocialValue
from mvi_challenges.catalogue.services import CATEGORIES, SOCIAL_VALUES
from mvi_challenges.core.db import db

from ..factories import login, make_user, page_text


def test_seeded_sets_match_the_action_plan(app: Flask, catalogue) -> None:
    with app.app_context():
        categories = list(db.session.scalars(select(Category)))
        assert len(categories) == len(CATEGORIES) == 8
        assert all(c.target_level == 3 for c in categories if c.promising)
        assert len(list(db.session.scalars(select(SocialValue)))) == len(SOCIAL_VALUES) == 8


def test_admin_changes_a_category_target_level(app: Flask, client_en: FlaskClient, catalogue) -> None:
    login(client_en, make_user(app, Role.ADMIN))
    category = catalogue.categories["catering"]
    response = client_en.post(f"/admin/catalogue/categories/{category.id}", data={
        "name_nl": "Catering", "name_en": "Catering", "target_level": "3", "promising": "y",
        "approach_source": "**Plantaardig** eerst",
    }, follow_redirects=True)
    assert "The category has been saved." in page_text(response)
    with app.app_context():
        saved = db.session.get(Category, category.id)
        assert saved.target_level == 3 and saved.promising
        assert saved.approach_html == "<p><strong>Plantaardig</strong> eerst</p>"


def test_category_form_errors_keep_input(app: Flask, client_en: FlaskClient, catalogue) -> None:
    login(client_en, make_user(app, Role.ADMIN))
    response = client_en.post("/admin/catalogue/categories/new", data={
        "name_nl": "Nieuwe groep", "name_en": "", "target_level": "5"})
    assert response.status_code == 400
    assert 'value="Nieuwe groep"' in response.get_data(as_text=True)
    assert "Fill in “Name in English”." in page_text(response)


def test_admin_adds_a_social_value(app: Flask, client: FlaskClient, catalogue) -> None:
    login(client, make_user(app, Role.ADMIN))
    response = client.post("/admin/catalogue/values/new", data={
        "name_nl": "Dierenwelzijn", "name_en": "Animal welfare", "description_nl": "", "description_en": ""})
    assert response.status_code == 302
    assert "Dierenwelzijn" in page_text(client.get("/admin/catalogue/"))
    with app.app_context():
        assert db.session.scalar(select(SocialValue.slug).where(SocialValue.name_en == "Animal welfare")) == "dierenwelzijn"


def test_saving_a_category_keeps_its_slug(app: Flask, client: FlaskClient, catalogue) -> None:
    login(client, make_user(app, Role.ADMIN))
    category = catalogue.categories["openbare-ruimte"]
    client.post(f"/admin/catalogue/categories/{category.id}", data={
        "name_nl": "Openbare ruimte en GWW (incl. groen)", "name_en": "Public space", "target_level": "3"})
    with app.app_context():
        assert db.session.get(Category, category.id).slug == "openbare-ruimte"
