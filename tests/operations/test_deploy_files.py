"""deploy/ is designed, not run here (no container runtime): its files are parsed, and every
environment variable they set must be in the README's configuration table, the required ones present."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
REQUIRED = {"MVI_ENV", "SECRET_KEY", "PUBLIC_URL", "DATABASE_URL", "REDIS_URL", "UPLOAD_STORAGE", "MAIL_SERVER"}
OUR_IMAGE = "mvi-challenges"


def documented() -> set[str]:
    readme = (ROOT / "README.md").read_text()
    table = readme.split("## Configuration (environment)", 1)[1].split("\n\n", 2)[1]
    assert table.startswith("| variable |")
    return set(re.findall(r"`([A-Z][A-Z0-9_]+)`", table))


def compose_environments() -> dict[str, set[str]]:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    assert {"app", "worker", "postgres", "redis", "minio", "mailpit"} <= compose["services"].keys()
    ours = {}
    for name, service in compose["services"].items():
        if service.get("image") == OUR_IMAGE:
            environment = service.get("environment") or {}
            names = environment.keys() if isinstance(environment, dict) else [e.split("=")[0] for e in environment]
            ours[name] = set(names)
    return ours


def unit_environment(name: str) -> tuple[set[str], dict[str, str]]:
    text = (DEPLOY / name).read_text()
    settings = dict(re.findall(r"^(\w+)=(.*)$", text, re.M))
    return set(re.findall(r"^Environment=(\w+)=", text, re.M)), settings


def env_file() -> set[str]:
    return set(re.findall(r"^([A-Z][A-Z0-9_]+)=", (DEPLOY / "mvi.env.example").read_text(), re.M))


def containerfile_env() -> set[str]:
    text = (DEPLOY / "Containerfile").read_text()
    block = re.search(r"^ENV (.*?)(?<!\\)\n", text, re.M | re.S).group(1)
    return set(re.findall(r"([A-Z][A-Z0-9_]+)=", block))


def test_every_variable_the_deployment_sets_is_documented() -> None:
    table = documented()
    used = set().union(*compose_environments().values(), env_file(), containerfile_env(),
                       unit_environment("mvi-web.service")[0], unit_environment("mvi-worker.service")[0])
    used -= {"PATH"}  # the image's own search path, not a setting of ours
    assert used - table == set(), "document these in the README's configuration table"


def test_the_required_production_settings_are_present() -> None:
    environments = compose_environments()
    assert {"migrate", "app", "worker"} <= environments.keys()
    for service, names in environments.items():
        assert names >= REQUIRED, f"compose service {service} lacks {REQUIRED - names}"
    assert env_file() >= REQUIRED
    assert "PROMETHEUS_MULTIPROC_DIR" in environments["app"]
    assert "PROMETHEUS_MULTIPROC_DIR" not in environments["worker"] | containerfile_env()  # gunicorn's alone


def test_the_systemd_units_run_the_release_with_the_environment_file() -> None:
    web_env, web = unit_environment("mvi-web.service")
    _, worker = unit_environment("mvi-worker.service")
    assert "PROMETHEUS_MULTIPROC_DIR" in web_env
    for unit in (web, worker):
        assert unit["EnvironmentFile"] == "/etc/mvi/mvi.env" and unit["Restart"] == "always"
    assert "gunicorn --config /srv/mvi/deploy/gunicorn.conf.py" in web["ExecStart"]
    assert worker["ExecStart"].endswith(" worker")
    logs = set(re.findall(r"append:(\S+)", (DEPLOY / "mvi-web.service").read_text()
                          + (DEPLOY / "mvi-worker.service").read_text()))
    assert logs and all(path.startswith("/var/log/mvi/") for path in logs)
    assert "/var/log/mvi/*.log" in (DEPLOY / "logrotate").read_text()


def test_gunicorn_settings_follow_the_readme_and_forget_dead_workers() -> None:
    settings: dict[str, object] = {}
    exec(compile((DEPLOY / "gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"), settings)  # noqa: S102
    assert (settings["workers"], settings["timeout"], settings["max_requests"]) == (4, 60, 2000)
    assert callable(settings["child_exit"]) and callable(settings["on_starting"])


def test_the_nginx_site_is_the_one_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    block = readme.split("```nginx\n", 1)[1].split("```", 1)[0]
    site = {line.strip() for line in (DEPLOY / "nginx-mvi.conf").read_text().splitlines()}
    missing = [line.strip() for line in block.splitlines() if line.strip() and line.strip() not in site]
    assert missing == []
