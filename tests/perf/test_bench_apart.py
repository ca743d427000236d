"""The benchmark lives outside the app package: nothing of it can be switched on in a normal app.

`bench/app.py` turns two-step verification off and adds the /_bench/ ceilings for `make bench`. A
normal app, whatever its environment says, has neither: these tests fail if the app package ever
imports the bench again or reads a switch from the environment that skips the second step.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from flask import Flask

from mvi_challenges import create_app
from mvi_challenges.accounts.models import Role

from ..factories import make_user

PACKAGE = Path(__file__).resolve().parents[2] / "mvi_challenges"
# What older versions read from the environment to open these doors, set as a careless server might.
OLD_SWITCHES = {"TWO_STEP_REQUIRED": "0", "MVI_BENCH_ENDPOINTS": "1", "BENCH_ENDPOINTS": "1"}


def _imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.add("." * node.level + (node.module or ""))
    return names


def test_the_app_package_never_imports_the_bench() -> None:
    offenders = {str(path.relative_to(PACKAGE)): sorted(name for name in _imported_modules(path)
                                                       if name.split(".")[0] == "bench" or ".bench" in name)
                 for path in PACKAGE.rglob("*.py")}
    assert not {path: names for path, names in offenders.items() if names}
    assert not (PACKAGE / "bench").exists()


def _settings(app: Flask) -> dict:
    return {"TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "SECRET_KEY": "x" * 20, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
            "UPLOAD_FOLDER": app.config["UPLOAD_FOLDER"], "REDIS_URL": None, "RATELIMIT_STORAGE_URI": "memory://"}


def test_a_normal_app_asks_staff_for_the_second_step_whatever_the_environment(app: Flask, monkeypatch) -> None:
    for name, value in OLD_SWITCHES.items():
        monkeypatch.setenv(name, value)
    normal = create_app(_settings(app))  # no TWO_STEP_REQUIRED in the code that creates it
    assert not [rule.rule for rule in normal.url_map.iter_rules() if rule.rule.startswith("/_bench")]
    client = normal.test_client()
    assert client.get("/_bench/bare").status_code == 404
    staff = make_user(app, Role.STAFF)
    login = client.post("/account/login", data={"email": staff.email, "password": staff.password})
    assert login.headers["Location"].endswith("/account/two-step/setup")
    assert client.get("/staff/calls").status_code == 302  # not logged in without the second step


def test_the_bench_app_logs_staff_in_with_a_password_and_has_the_ceilings(app: Flask) -> None:
    from bench.app import create_bench_app

    bench = create_bench_app(_settings(app))
    client = bench.test_client()
    assert client.get("/_bench/bare").get_data(as_text=True) == "ok"
    assert client.get("/_bench/list").status_code == 200
    # The list ceiling compiles its template once, as a real page's render_template does: compiling it
    # per request (render_template_string) made the ceiling a third slower and every ratio kinder.
    from jinja2 import Environment

    compiled = []
    original = Environment.from_string
    Environment.from_string = lambda env, *a, **kw: compiled.append(1) or original(env, *a, **kw)  # type: ignore
    try:
        for _ in range(3):
            assert client.get("/_bench/list").status_code == 200
    finally:
        Environment.from_string = original  # type: ignore
    assert compiled == []
    staff = make_user(app, Role.STAFF)
    login = client.post("/account/login", data={"email": staff.email, "password": staff.password})
    assert login.status_code == 302 and "two-step" not in login.headers["Location"]
    assert client.get("/staff/calls").status_code == 200


def test_the_bench_app_refuses_a_production_configuration(app: Flask, monkeypatch) -> None:
    from bench.app import create_bench_app

    monkeypatch.setenv("MVI_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a-real-secret-for-this-test")
    monkeypatch.setenv("PUBLIC_URL", "https://mvi.utrecht.example")
    with pytest.raises(RuntimeError, match="production"):
        create_bench_app({key: value for key, value in _settings(app).items() if key != "SECRET_KEY"})
