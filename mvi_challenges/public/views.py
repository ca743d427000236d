from __future__ import annotations

from types import SimpleNamespace

from flask import Blueprint, abort, current_app, jsonify, render_template, request, session, url_for
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import text
from wtforms import HiddenField

from ..accounts.auth import redirect_next, require_login
from ..accounts.services import set_locale
from ..calls import cards as call_cards
from ..calls.models import PublicState
from ..catalogue.services import all_categories, find_category_by_slug
from ..core.csrf import csrf
from ..core.db import db
from ..core.timezones import now_utc, request_time
from ..criteria.services import criteria_for_category, principles_of
from ..lessons.services import public_lessons_for_category
from ..monitoring.yearly_counts import category_overview
from ..pipeline.services import public_items_for_category
from . import lines, work

bp = Blueprint("public", __name__)


class LanguageForm(FlaskForm):
    lang = HiddenField()
    next = HiddenField()


@bp.route("/")
def home():
    now = now_utc()
    open_calls, counts = call_cards.home_calls(db.session, now, str(get_locale()), limit=6)
    return render_template("public/home.html", open_calls=open_calls, now=now,
                           open_count=counts[PublicState.OPEN], upcoming_count=counts[PublicState.UPCOMING])


@bp.route("/my")
@require_login
def my_home():
    """Where a person lands after logging in: what waits for them, by role."""
    now = request_time()
    user = current_user
    staff = links = closing = None
    if work.shows_staff_work(user):
        staff, links = work.staff_work(db.session, now, user), _work_list_links()
        closing = lines.closing_lines(staff.closing.rows, links.manage, now)
    return render_template(
        "public/my.html", now=now, staff=staff, links=links, closing=closing,
        juries=work.jury_work(db.session, user, now),
        proposals=work.my_proposals(db.session, user),
        open_calls=work.open_calls_for(db.session, user, now),
        dialogues=lines.dialogue_lines(work.my_dialogues(db.session, user, now)),
        consultations=work.my_consultations(db.session, user, now))


# Stand-in ids for _url_pattern: numbers (the routes take integers) that occur in no real URL.
_STAND_INS = (987654321987654321, 876543219876543219)


def _url_pattern(endpoint: str, *names: str) -> str:
    """url_for once for all rows of a list: the URL with stand-in values for `names`, as a format
    string the row's values go into ({0}, {1} in the order of `names`); url_for per row costs
    about 10 µs and the work list has dozens of links."""
    url = url_for(endpoint, **dict(zip(names, _STAND_INS, strict=False)))
    for index, stand_in in enumerate(_STAND_INS[:len(names)]):
        url = url.replace(str(stand_in), f"{{{index}}}")
    return url


def _work_list_links() -> SimpleNamespace:
    return SimpleNamespace(
        questions=_url_pattern("proposals.staff_questions", "call_id"),
        manage=_url_pattern("calls.manage", "call_id"),
        results=_url_pattern("evaluation.staff_results", "call_id", "number"),
        record=_url_pattern("monitoring.record_detail", "record_id"),
        new_contract=_url_pattern("monitoring.new_contract", "record_id", "proposal"),
        contract=_url_pattern("monitoring.manage_contract", "contract_id"))


@bp.route("/favicon.ico")
def favicon():
    """Browsers and feed readers ask for /favicon.ico at the root, whatever the page links."""
    return current_app.send_static_file("favicon.ico")


@bp.route("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # the point is to answer, whatever the database says
        current_app.logger.exception("health check failed")
        return jsonify(status="error"), 503
    return jsonify(status="ok")


@bp.route("/language", methods=["GET", "POST"])
@csrf.exempt
def set_language():
    """The language button: works on every page, for everyone, without JavaScript.

    Anonymous pages carry a GET form: it only sets the display language in the session (a cookie),
    changes no data, and needs no token, so public pages hold nothing personal and can be shared
    (page_cache.py), and a page opened before logging in (in another tab) still switches instead of
    showing a 400. Logged-in pages POST with the CSRF token, which also saves the choice to the
    account (the language of mails)."""
    if request.method == "GET":
        chosen = request.args.get("lang", "")
        if chosen in current_app.config["LANGUAGES"]:
            session["lang"] = chosen
        return redirect_next()
    if current_user.is_authenticated and current_app.config.get("WTF_CSRF_ENABLED", True):
        csrf.protect()
    form = LanguageForm(meta={"csrf": False})
    if form.validate_on_submit() and form.lang.data in current_app.config["LANGUAGES"]:
        session["lang"] = form.lang.data
        if current_user.is_authenticated and current_user.locale != form.lang.data:
            set_locale(db.session, current_user, form.lang.data)
            db.session.commit()
    return redirect_next()


@bp.route("/privacy")
def privacy():
    return render_template("public/privacy.html")


@bp.route("/accessibility")
def accessibility():
    return render_template("public/accessibility.html")



@bp.route("/categories")
def categories():
    return render_template("public/categories.html", categories=all_categories(db.session, str(get_locale())))


@bp.route("/categories/<category_slug>")
def category(category_slug: str):
    """A category's tailored MVI approach, target level and social values, with its calls and results."""
    found = find_category_by_slug(db.session, category_slug) or abort(404)
    library = criteria_for_category(db.session, found.id)
    principles = principles_of([c for level in library.values() for c in level])
    return render_template("public/category.html", category=found, library=library, principles=principles,
                           overview=category_overview(db.session, found), now=now_utc(),
                           planned=public_items_for_category(db.session, found),
                           lessons=public_lessons_for_category(db.session, found))
