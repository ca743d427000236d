from __future__ import annotations

import re

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask.blueprints import BlueprintSetupState
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from ..core import audit
from ..core.actions import run_action
from ..core.db import db
from ..core.errors import status_for
from ..core.outbox import registration_mail
from ..core.pagination import filter_args, paginate
from ..core.templating import offer_to_templates
from ..core.timezones import now_utc
from ..infra.ratelimit import (
    EMAIL_CHANGES,
    LOGIN_PER_ACCOUNT,
    LOGIN_PER_IP,
    REGISTER_PER_IP,
    RESET_PER_ACCOUNT,
    RESET_PER_IP,
    TWO_STEP_ATTEMPTS,
    client_address,
    failed,
    limiter,
    signed_in_account,
    submitted_email,
    submitted_email_from_address,
    succeeded,
)
from . import kvk, services, two_step
from .auth import is_safe_next, load_user, require, require_login
from .forms import (
    AuditFilterForm,
    ConfirmEmailForm,
    ConfirmForm,
    EmailChangeForm,
    LoginForm,
    NewPasswordForm,
    OrganisationCheckForm,
    PasswordForm,
    ProfileForm,
    RegisterForm,
    ResetRequestForm,
    RoleForm,
    TwoStepCodeForm,
    TwoStepSetupForm,
)
from .models import ROLE_LABELS, JoinRequest, Organisation, Role, User
from .permissions import can_manage_users, can_see_kvk_status, can_verify_organisations

bp = Blueprint("accounts", __name__)


@bp.record_once
def _offer_to_templates(state: BlueprintSetupState) -> None:
    """The accounts area's template hook (core/templating.py): role names and the menu's questions."""
    offer_to_templates(state.app, role_label=lambda role: str(ROLE_LABELS[role]), can_manage_users=can_manage_users,
                       can_see_kvk_status=can_see_kvk_status)


@bp.route("/account/register", methods=["GET", "POST"])
@limiter.limit(REGISTER_PER_IP, methods=["POST"], deduct_when=succeeded)
def register():
    if current_user.is_authenticated:
        return redirect(url_for("accounts.profile"))
    form = RegisterForm()
    if form.validate_on_submit():
        outcome = run_action(lambda: services.register(
            db.session,
            email=form.email.data,
            password=form.password.data,
            name=form.name.data,
            account_type=Role(form.account_type.data),
            locale=session.get("lang", "nl"),
            secret_key=current_app.config["SECRET_KEY"],
            organisation_name=form.organisation_name.data or "",
            kvk_number=form.kvk_number.data or "",
        ), form=form)
        if outcome.ok:
            mail = outcome.value
            # The same page whether or not the address had an account: see services.register.
            session["registered_email"] = services.normalise_email(form.email.data)
            # The demo shows this registration's own mail, never another one to the same address.
            session["registered_mail"] = mail.id if mail is not None else None
            return redirect(url_for("accounts.registration_sent"))
    return render_template("accounts/register.html", form=form), status_for(form)


@bp.route("/account/register/check-your-mail")
def registration_sent():
    email = session.get("registered_email")
    if not email:
        return redirect(url_for("accounts.register"))
    # The demo sends no mail: it shows the mail here, so a registration can be tried end to end.
    demo_mail = (registration_mail(db.session, session.get("registered_mail"), email)
                 if current_app.config["DEMO_MODE"] and not current_app.config["MAIL_SERVER"] else None)
    demo_links = re.findall(r"https?://\S+", demo_mail.body) if demo_mail else []
    return render_template("accounts/registration_sent.html", email=email, demo_mail=demo_mail,
                           demo_links=demo_links, hours=services.CONFIRM_MAX_AGE // 3600)


def _confirmation_key() -> str:
    return "confirm:" + str((request.view_args or {}).get("token", ""))[:40]


@bp.route("/account/confirm/<token>", methods=["GET", "POST"])
@limiter.limit(LOGIN_PER_ACCOUNT, key_func=_confirmation_key, methods=["POST"], deduct_when=failed)
@limiter.limit(LOGIN_PER_IP, methods=["POST"], deduct_when=failed)
def confirm_email(token: str):
    """The link from the confirmation mail. Opening it changes nothing (mail scanners open links);
    the password chosen at registration confirms, so only the registrant can finish it."""
    user = services.user_for_confirmation(db.session, current_app.config["SECRET_KEY"], token)
    if user is None:
        return render_template("accounts/confirm_expired.html"), 400
    if user.email_confirmed:
        if current_user.is_authenticated and current_user.id == user.id:  # a second click on "confirm"
            return redirect(url_for("accounts.profile"))
        flash(_("Your email address has been confirmed already. Log in with your password."), "success")
        return redirect(url_for("accounts.login"))
    form = ConfirmEmailForm()
    if form.validate_on_submit():
        if services.authenticate(db.session, user.email, form.password.data) is not user:
            db.session.commit()  # the failed attempt is audited
            form.password.errors = [_("This is not the password you chose when registering.")]
        else:
            outcome = run_action(lambda: services.confirm_email(db.session, user), form=form, commit=False)
            if outcome.ok:
                join = outcome.value
                services.record_login(db.session, user, two_step=False, address=_address())
                db.session.commit()
                logout_user()
                login_user(user)
                session.setdefault("lang", user.locale)
                flash(_("Your email address has been confirmed and you are logged in. Welcome!"), "success")
                if join is not None and join.organisation.verified:
                    flash(_("Your organisation is already registered: its members have been asked to approve "
                            "that you join."), "success")
                elif join is not None:
                    flash(_("Your organisation is already registered: an administrator has been asked to approve "
                            "that you join."), "success")
                return redirect(url_for("accounts.profile"))
    return render_template("accounts/confirm_email.html", form=form, user=user), status_for(form)


def _address() -> str:
    """The keyed hash of the address this request comes from (see services.address_hash)."""
    return services.address_hash(current_app.config["SECRET_KEY"], client_address())


@bp.route("/account/login", methods=["GET", "POST"])
@limiter.limit(LOGIN_PER_ACCOUNT, key_func=submitted_email_from_address, methods=["POST"], deduct_when=failed)
@limiter.limit(LOGIN_PER_IP, methods=["POST"], deduct_when=failed)
def login():
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        check = services.check_login(db.session, form.email.data, form.password.data, address=_address(),
                                     now=now_utc(), refuse_demo=current_app.config["MVI_ENV"] == "production")
        user = check.user
        if user is not None and not user.email_confirmed:
            services.send_confirmation(db.session, user, current_app.config["SECRET_KEY"])
            db.session.commit()
            # Only someone who knows the password gets here, so saying this reveals nothing.
            form.form_errors.append(_("Confirm your email address first: we have sent a new link to %(email)s.",
                                      email=user.email))
        elif check.needs_link:
            # Wrong passwords for this account came from many places: from a new address the right
            # password alone is not enough. Only someone who knows the password gets here.
            services.send_login_link(db.session, user, current_app.config["SECRET_KEY"])
            db.session.commit()
            return render_template("accounts/login_link_sent.html", email=user.email,
                                   minutes=services.LOGIN_LINK_MAX_AGE // 60)
        elif user is not None:
            return _after_password(user, form.next.data)
        else:
            db.session.commit()  # the failed attempt is audited and counted
            form.form_errors.append(_("The email address or password is not correct."))
    status = 400 if form.errors or form.form_errors else 200
    return render_template("accounts/login.html", form=form), status


def _after_password(user: User, next_url: str):
    """The first factor is done (a password, or a mailed login link): the second step, or logged in."""
    if user.has_two_step or two_step.is_required_for(user, current_app.config["TWO_STEP_REQUIRED"]):
        # The session is not logged in until the second step.
        session["two_step_user"] = user.get_id()
        session["two_step_next"] = next_url if is_safe_next(next_url) else ""
        endpoint = "accounts.two_step_code" if user.has_two_step else "accounts.two_step_setup"
        return redirect(url_for(endpoint))
    return _complete_login(user, two_step_used=False)


@bp.route("/account/login/link/<token>", methods=["GET", "POST"])
def login_link(token: str):
    """The one-time login link mailed when an attacked account logs in from a new address. Opening it
    changes nothing (mail scanners open links); the button logs in, and remembers this address."""
    user = services.user_for_login_link(db.session, current_app.config["SECRET_KEY"], token)
    if user is None:
        return render_template("accounts/login_link_expired.html"), 400
    form = ConfirmForm()
    if form.validate_on_submit():
        logout_user()
        return _after_password(user, "")
    return render_template("accounts/login_link.html", form=form, user=user)


@bp.route("/account/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        services.end_all_sessions(db.session, current_user)
        db.session.commit()
    logout_user()
    session.pop(SECOND_STEP_DONE, None)
    flash(_("You are logged out."), "success")
    return redirect(url_for("public.home"))


@bp.route("/account", methods=["GET", "POST"])
@require_login
def profile():
    form = ProfileForm(obj=current_user)
    password_form = PasswordForm(prefix="pw")
    if form.validate_on_submit():
        run_action(lambda: services.update_profile(db.session, current_user, name=form.name.data,
                                                   locale=form.locale.data))
        session["lang"] = form.locale.data
        flash(_("Your profile has been saved."), "success")  # after the change: in the language just chosen
        return redirect(url_for("accounts.profile"))
    return _render_profile(form, password_form, status_for(form))


def _render_profile(form: ProfileForm, password_form: PasswordForm, status: int,
                    email_form: EmailChangeForm | None = None):
    return render_template(
        "accounts/profile.html", form=form, password_form=password_form,
        email_form=email_form or EmailChangeForm(prefix="em"),
        join_requests=services.pending_join_requests(db.session, current_user),
        own_request=services.own_join_request(db.session, current_user),
    ), status


@bp.route("/account/password", methods=["POST"])
@limiter.limit(LOGIN_PER_ACCOUNT, key_func=signed_in_account, methods=["POST"], deduct_when=failed)
@require_login
def change_password():
    form = ProfileForm(obj=current_user)
    password_form = PasswordForm(prefix="pw")
    if password_form.validate_on_submit() and run_action(lambda: services.change_password(
        db.session, current_user, password_form.current_password.data, password_form.password.data
    ), form=password_form).ok:
        login_user(current_user._get_current_object())  # keep this session, with the new auth version
        flash(_("Your password has been changed. Other sessions have been logged out."), "success")
        return redirect(url_for("accounts.profile"))
    return _render_profile(form, password_form, 400)


def _email_change_key() -> str:
    return "email-change:" + str(current_user.get_id() if current_user.is_authenticated else client_address())


@bp.route("/account/email", methods=["POST"])
@limiter.limit(LOGIN_PER_ACCOUNT, key_func=_email_change_key, methods=["POST"], deduct_when=failed)
@limiter.limit(EMAIL_CHANGES, key_func=_email_change_key, methods=["POST"], deduct_when=succeeded)
@require_login
def change_email():
    """Ask to use another address: the change itself waits for the link mailed to it."""
    email_form = EmailChangeForm(prefix="em")
    if email_form.validate_on_submit() and run_action(lambda: services.request_email_change(
            db.session, current_user, email_form.email.data, email_form.current_password.data,
            current_app.config["SECRET_KEY"]),
            form=email_form, keep_refusal=True).ok:  # a wrong password is audited
        # The same words whether or not another account has this address: the form reveals nobody.
        flash(_("We have sent a link to %(email)s. Your email address changes when you open it, within "
                "%(hours)d hours; until then it stays %(old)s.", email=email_form.email.data,
                hours=services.EMAIL_CHANGE_MAX_AGE // 3600, old=current_user.email), "success")
        return redirect(url_for("accounts.profile"))
    return _render_profile(ProfileForm(obj=current_user), PasswordForm(prefix="pw"), 400, email_form)


@bp.route("/account/email/confirm/<token>", methods=["GET", "POST"])
def confirm_email_change(token: str):
    """The link mailed to the new address. Opening it changes nothing (mail scanners open links); the
    button makes the change, which ends every other session of the account."""
    found = services.email_change_for_link(db.session, current_app.config["SECRET_KEY"], token)
    if found is None:
        return render_template("accounts/email_change_expired.html"), 400
    user, new_email = found
    form = ConfirmForm()
    if form.validate_on_submit() and run_action(
            lambda: services.change_email(db.session, user, new_email), form=form,
            success=_("Your email address is now %(email)s.", email=new_email)).ok:
        if current_user.is_authenticated and current_user.id == user.id:
            login_user(user)  # this session stays, with the new auth version; others have ended
            return redirect(url_for("accounts.profile"))
        return redirect(url_for("accounts.login"))
    return render_template("accounts/email_change_confirm.html", form=form, new_email=new_email), status_for(form)


@bp.route("/account/join-requests/<int:request_id>", methods=["POST"])
@require_login
def decide_join(request_id: int):
    join = db.session.get(JoinRequest, request_id) or abort(404)
    approve = request.form.get("action") == "approve"
    run_action(lambda: services.decide_join_request(db.session, current_user, join, approve),
               success=lambda _result: _("%(name)s is now a member of %(org)s.", name=join.user.name,
                                         org=join.organisation.name) if approve
               else _("The request of %(name)s has been declined.", name=join.user.name))
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
    if request.form.get("action") == "revoke":
        run_action(lambda: services.revoke_role(db.session, current_user, user, role), success=_("Role removed."))
    else:
        run_action(lambda: services.grant_role(db.session, current_user, user, role), success=_("Role granted."))
    return redirect(url_for("accounts.user_list", q=request.form.get("q", ""), page=request.form.get("page", 1)))


@bp.route("/admin/users/<int:user_id>/block", methods=["POST"])
@require(can_manage_users)
def block_user(user_id: int):
    """Block or unblock an account; blocking ends its sessions everywhere at once."""
    user = db.session.get(User, user_id) or abort(404)
    block = request.form.get("action") != "unblock"
    run_action(lambda: services.set_blocked(db.session, current_user, user, block),
               success=_("%(name)s has been blocked and logged out everywhere.", name=user.name) if block
               else _("%(name)s can log in again.", name=user.name))
    return redirect(url_for("accounts.user_list", q=request.form.get("q", ""), page=request.form.get("page", 1)))


@bp.route("/admin/organisations")
@require(can_verify_organisations)
def organisation_queue():
    """New organisations whose KvK number an administrator still has to check in the register."""
    return _render_organisation_queue()


def _render_organisation_queue(failed: Organisation | None = None, failed_form: OrganisationCheckForm | None = None):
    page = paginate(services.unverified_organisations_query(), per_page=20)
    forms = {organisation.id: failed_form if failed is not None and organisation.id == failed.id
             else OrganisationCheckForm(prefix=f"org{organisation.id}") for organisation in page.items}
    return render_template("accounts/organisation_queue.html", page=page, forms=forms,
                           register_url=kvk.register_url), 400 if failed_form is not None else 200


@bp.route("/admin/organisations/<int:organisation_id>", methods=["POST"])
@require(can_verify_organisations)
def check_organisation(organisation_id: int):
    organisation = db.session.get(Organisation, organisation_id) or abort(404)
    form = OrganisationCheckForm(prefix=f"org{organisation.id}")
    confirm = request.form.get("action") == "confirm"
    if form.validate_on_submit():
        outcome = run_action(
            lambda: services.decide_organisation(db.session, current_user, organisation, confirm=confirm,
                                                 reason=form.reason.data or ""),
            form=form, form_fields=("reason",),
            success=_("The KvK number of %(org)s has been confirmed.", org=organisation.name) if confirm
            else _("The KvK number of %(org)s has been rejected.", org=organisation.name))
        # Done, or checked already by another administrator (a message): nothing to correct here.
        if outcome.ok or outcome.error.field is None:
            return redirect(url_for("accounts.organisation_queue"))
    return _render_organisation_queue(organisation, form)


@bp.route("/account/password-reset", methods=["GET", "POST"])
@limiter.limit(RESET_PER_ACCOUNT, key_func=submitted_email, methods=["POST"])
@limiter.limit(RESET_PER_IP, methods=["POST"])
def request_reset():
    form = ResetRequestForm()
    if form.validate_on_submit():
        services.request_password_reset(db.session, form.email.data, current_app.config["SECRET_KEY"])
        db.session.commit()
        # The same words whether or not the account exists: the form reveals nobody.
        flash(_("If there is an account for %(email)s, we have sent it a link to choose a new password. "
                "The link works once, for an hour.", email=form.email.data.strip()), "success")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_request.html", form=form), status_for(form)


@bp.route("/account/password-reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    user = services.user_for_reset(db.session, current_app.config["SECRET_KEY"], token)
    if user is None:
        return render_template("accounts/reset_expired.html"), 400
    form = NewPasswordForm()
    if form.validate_on_submit() and run_action(
            lambda: services.reset_password(db.session, user, form.password.data), form=form).ok:
        logout_user()
        flash(_("Your new password has been saved. Log in with it; other sessions have been logged out."),
              "success")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form, user=user), status_for(form)


AUDIT_SUBJECTS = ("User", "Organisation", "Call", "Phase", "Proposal", "Question", "Dialogue", "JuryMember",
                  "ScoreSheet", "Decision", "ProcurementRecord", "Contract", "Category", "SocialValue", "Department")


@bp.route("/admin/audit")
@require(can_manage_users)
def audit_log():
    """Who did what to which object, when: filterable, newest first."""
    form = AuditFilterForm(request.args)
    form.action.choices = [("", _("All actions"))] + [
        (prefix, prefix) for prefix in _action_choices(audit.known_actions(db.session))]
    form.subject_type.choices = [("", _("All kinds"))] + [(name, name) for name in AUDIT_SUBJECTS]
    form.validate()
    actor = services.find_user_by_email(db.session, form.actor.data or "") if form.actor.data else None
    stmt = audit.events_query(
        action=form.action.data if not form.action.errors else "",
        actor_id=actor.id if actor else (-1 if form.actor.data else None),
        subject_type=form.subject_type.data if not form.subject_type.errors else "",
        subject_id=form.subject_id.data if not form.subject_id.errors else None,
        since=_local_midnight(form.since.data) if not form.since.errors else None,
        until=_local_midnight(form.until.data, days=1) if not form.until.errors else None,
    )
    page = paginate(stmt, per_page=50)
    actors = services.users_by_id(db.session, {event.actor_id for event in page.items if event.actor_id})
    return render_template("accounts/audit.html", form=form, page=page, actors=actors,
                           args=filter_args(form)), status_for(form)


def _action_choices(actions: list[str]) -> list[str]:
    """Every action, preceded by its family (`user.`), so a whole family can be chosen at once."""
    families = sorted({action.split(".")[0] + "." for action in actions})
    return sorted(families + actions)


def _local_midnight(day, days: int = 0):
    import datetime as dt

    from ..core.timezones import local_to_utc

    return local_to_utc(dt.datetime.combine(day + dt.timedelta(days=days), dt.time())) if day else None


# --- two-step verification --------------------------------------------------------------------


# The session's proof that this login passed the second step (the user's id): see hold_for_second_step.
SECOND_STEP_DONE = "second_step_done"
# Pages a person between password and second step may still open.
OPEN_BEFORE_SECOND_STEP = frozenset({"static", "accounts.two_step_code", "accounts.two_step_setup", "accounts.logout",
                                     "public.set_language", "public.healthz"})


@bp.before_app_request
def hold_for_second_step():
    """Every way in asks for the second factor where it is needed, not only the login form: a jury
    invitation, a confirmation link, a session from before the role was granted. A session that
    did not pass the second step is turned back into a pending login and sent to the code page, or
    to the enrolment page for a person whose role requires an authenticator they have not set up."""
    if request.endpoint in OPEN_BEFORE_SECOND_STEP or request.endpoint is None or not current_user.is_authenticated:
        return None
    user = current_user._get_current_object()
    if session.get(SECOND_STEP_DONE) == user.id or not two_step.needs_second_step(
            user, current_app.config["TWO_STEP_REQUIRED"]):
        return None
    target = request.full_path.rstrip("?") if request.method == "GET" else ""
    logout_user()
    session["two_step_user"] = user.get_id()
    session["two_step_next"] = target if is_safe_next(target) else ""
    return redirect(url_for("accounts.two_step_code" if user.has_two_step else "accounts.two_step_setup"))


def _complete_login(user: User, *, two_step_used: bool):
    services.record_login(db.session, user, two_step=two_step_used, address=_address())
    db.session.commit()
    # Where the person was going: the login form's `next`, kept in the session across the second step.
    target = session.pop("two_step_next", "") if two_step_used else request.values.get("next", "")
    session.pop("two_step_user", None)
    session.pop("two_step_secret", None)
    login_user(user)
    if two_step_used:
        session[SECOND_STEP_DONE] = user.id
    session.setdefault("lang", user.locale)  # a language chosen before logging in wins
    flash(_("You are logged in."), "success")
    return redirect(target if is_safe_next(target) else url_for("public.my_home"))  # what waits for them


def _pending_user() -> User | None:
    """Whoever typed the right password in this browser and has the second step still to do."""
    pending = session.get("two_step_user")
    return load_user(pending) if isinstance(pending, str) else None


def _two_step_key() -> str:
    return "two-step:" + str(session.get("two_step_user", request.remote_addr))


@bp.route("/account/login/code", methods=["GET", "POST"])
@limiter.limit(TWO_STEP_ATTEMPTS, key_func=_two_step_key, methods=["POST"], deduct_when=failed)
def two_step_code():
    user = _pending_user()
    if user is None or not user.has_two_step:
        return redirect(url_for("accounts.profile" if current_user.is_authenticated else "accounts.login"))
    form = TwoStepCodeForm()
    if form.validate_on_submit():
        if two_step.verify(db.session, user, form.code.data, now_utc()):
            return _complete_login(user, two_step_used=True)
        audit.record(db.session, None, "user.two_step_failed", user)
        db.session.commit()
        form.code.errors = [_("That code is not right, or it was used already. Wait for the next code and "
                              "try again.")]
    demo_code = two_step.demo_code(user, current_app.config["DEMO_MODE"], now_utc())
    return render_template("accounts/two_step_code.html", form=form, demo_code=demo_code), status_for(form)


@bp.route("/account/two-step/setup", methods=["GET", "POST"])
@limiter.limit(TWO_STEP_ATTEMPTS, key_func=_two_step_key, methods=["POST"], deduct_when=failed)
def two_step_setup():
    """Enrol an authenticator app: during a login that requires it, or from the profile."""
    pending = _pending_user()
    if pending is not None and pending.has_two_step:
        # A password alone must never replace the app that is already set up.
        return redirect(url_for("accounts.two_step_code"))
    user = pending or (current_user._get_current_object() if current_user.is_authenticated else None)
    if user is None:
        return redirect(url_for("accounts.login"))
    secret = session.get("two_step_secret") or two_step.new_secret()
    session["two_step_secret"] = secret
    form = TwoStepSetupForm()
    if form.validate_on_submit():
        outcome = run_action(lambda: two_step.confirm_setup(db.session, user, secret, form.code.data, now_utc(),
                                                            current_code=form.current_code.data or ""),
                             form=form, commit=False)  # committed below, with the login it completes
        if (codes := outcome.value) is not None:
            session.pop("two_step_secret", None)
            if pending is not None:
                _complete_login(user, two_step_used=True)
            else:
                db.session.commit()
                session[SECOND_STEP_DONE] = user.id  # the person just showed a code from the new app
            return render_template("accounts/recovery_codes.html", codes=codes)
    return render_template(
        "accounts/two_step_setup.html", form=form, secret=two_step.grouped(secret), required=pending is not None,
        replacing=user.has_two_step,
        qr=two_step.qr_svg(secret, user.email, _("QR code to add MVI Challenges to your authenticator app")),
    ), status_for(form)
