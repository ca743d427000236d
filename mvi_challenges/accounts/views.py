from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from ..auth import redirect_next, require, require_login
from ..db import db
from ..errors import DomainError, attach_to_form, status_for
from ..pagination import paginate
from . import services
from .forms import LoginForm, PasswordForm, ProfileForm, RegisterForm, RoleForm
from .models import JoinRequest, Role, User
from .permissions import can_manage_users

bp = Blueprint("accounts", __name__)


@bp.route("/account/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("accounts.profile"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = services.register(
                db.session,
                email=form.email.data,
                password=form.password.data,
                name=form.name.data,
                account_type=Role(form.account_type.data),
                locale=session.get("lang", "nl"),
                organisation_name=form.organisation_name.data or "",
                kvk_number=form.kvk_number.data or "",
            )
        except DomainError as error:
            db.session.rollback()
            attach_to_form(form, error)
        else:
            db.session.commit()
            login_user(user)
            if user.organisation_id is None and form.account_type.data == Role.ENTREPRENEUR.value:
                flash(_("Your account has been created. Your organisation is already registered: its members have "
                        "been asked to approve that you join."), "success")
            else:
                flash(_("Your account has been created. Welcome!"), "success")
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/register.html", form=form), status_for(form)


@bp.route("/account/login", methods=["GET", "POST"])
def login():
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        user = services.authenticate(db.session, form.email.data, form.password.data)
        if user is not None:
            db.session.commit()
            login_user(user)
            session.setdefault("lang", user.locale)  # a language chosen before logging in wins
            flash(_("You are logged in."), "success")
            return redirect_next("accounts.profile")
        form.form_errors.append(_("The email address or password is not correct."))
    status = 400 if form.errors or form.form_errors else 200
    return render_template("accounts/login.html", form=form), status


@bp.route("/account/logout", methods=["POST"])
def logout():
    logout_user()
    flash(_("You are logged out."), "success")
    return redirect(url_for("public.home"))


@bp.route("/account", methods=["GET", "POST"])
@require_login
def profile():
    form = ProfileForm(obj=current_user)
    password_form = PasswordForm(prefix="pw")
    if form.validate_on_submit():
        services.update_profile(db.session, current_user, name=form.name.data, locale=form.locale.data)
        db.session.commit()
        session["lang"] = form.locale.data
        flash(_("Your profile has been saved."), "success")
        return redirect(url_for("accounts.profile"))
    return _render_profile(form, password_form, status_for(form))


def _render_profile(form: ProfileForm, password_form: PasswordForm, status: int):
    return render_template(
        "accounts/profile.html", form=form, password_form=password_form,
        join_requests=services.pending_join_requests(db.session, current_user),
        own_request=services.own_join_request(db.session, current_user),
    ), status


@bp.route("/account/password", methods=["POST"])
@require_login
def change_password():
    form = ProfileForm(obj=current_user)
    password_form = PasswordForm(prefix="pw")
    if password_form.validate_on_submit():
        try:
            services.change_password(
                db.session, current_user, password_form.current_password.data, password_form.password.data
            )
        except DomainError as error:
            db.session.rollback()
            attach_to_form(password_form, error)
        else:
            db.session.commit()
            login_user(current_user._get_current_object())  # keep this session, with the new auth version
            flash(_("Your password has been changed. Other sessions have been logged out."), "success")
            return redirect(url_for("accounts.profile"))
    return _render_profile(form, password_form, 400)


@bp.route("/account/join-requests/<int:request_id>", methods=["POST"])
@require_login
def decide_join(request_id: int):
    join = db.session.get(JoinRequest, request_id) or abort(404)
    approve = request.form.get("action") == "approve"
    try:
        services.decide_join_request(db.session, current_user, join, approve)
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "error")
    else:
        db.session.commit()
        flash(_("%(name)s is now a member of %(org)s.", name=join.user.name, org=join.organisation.name) if approve
              else _("The request of %(name)s has been declined.", name=join.user.name), "success")
    return redirect(url_for("accounts.profile"))


@bp.route("/admin/users")
@require(can_manage_users)
def user_list():
    search = request.args.get("q", "")
    page = paginate(services.user_page_query(search), per_page=25)
    return render_template("accounts/user_list.html", page=page, search=search, roles=list(Role))


@bp.route("/admin/users/<int:user_id>/roles", methods=["POST"])
@require(can_manage_users)
def change_role(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400)
    role = Role(form.role.data)
    try:
        if request.form.get("action") == "revoke":
            services.revoke_role(db.session, current_user, user, role)
            message = _("Role removed.")
        else:
            services.grant_role(db.session, current_user, user, role)
            message = _("Role granted.")
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "error")
    else:
        db.session.commit()
        flash(message, "success")
    return redirect(url_for("accounts.user_list", q=request.form.get("q", ""), page=request.form.get("page", 1)))
