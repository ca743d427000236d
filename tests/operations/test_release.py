"""The release (issue #21): the wheel `make dist` builds carries everything the site runs on, and
nothing of a developer's machine. Installed into a fresh virtual environment in a temporary folder
(the working directory outside the checkout too), it migrates a new SQLite database with its own
command, serves with gunicorn as deploy/mvi-web.service does, and answers the Dutch home page, a
call page with its stylesheets and the open data's OpenAPI document.

The wheel is built here from an sdist (`python -m build --no-isolation`, as `make dist`), so the sdist
is proven complete as well. Its dependencies are not downloaded again: the new environment reads
third-party packages from this venv's site-packages (a .pth line; the editable install's finder
there is not run, .pth files of an added folder are not processed), and the wheel is installed
with --no-deps --no-index. So no network is needed, the test takes seconds, and every file of *our*
code, templates, static files, catalogues and migrations comes from the wheel, which is checked.

Skipped only when the build front end is not installed (`pip install -e '.[dev]'` brings it);
MVI_REQUIRE_RELEASE=1 (CI) makes that a failure.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import sysconfig
import tarfile
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from .helpers import closed_port

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "mvi_challenges"
# What the site reads at run time, as paths inside the wheel.
RUNTIME_FILES = (
    "mvi_challenges/templates/base.html",
    "mvi_challenges/templates/emails/",
    "mvi_challenges/static/css/site.css",
    "mvi_challenges/static/vendor/utrecht/design-tokens.css",
    "mvi_challenges/static/vendor/utrecht/component-library.css",
    "mvi_challenges/translations/nl/LC_MESSAGES/messages.mo",
    "mvi_challenges/accounts/common_passwords.txt",
    "mvi_challenges/migrations/env.py",
    "mvi_challenges/migrations/alembic.ini",
    "mvi_challenges/migrations/versions/0001_initial_schema.py",
)
# Never in a release: data, secrets, the developer's tools and trees, the benchmark, the browser tests' axe.
FORBIDDEN = re.compile(r"(^|/)(instance|node_modules|tests|\.venv|\.git|\.ci|dist|bench|axe|__pycache__)/"
                       r"|\.sqlite3|(^|/)\.env$|\.pem$|\.key$|(^|/)\.built$|(^|/)mvi\.env$")


def _require_build_tools() -> None:
    try:
        import build  # noqa: F401
        import setuptools
    except ImportError as missing:
        reason = f"the release build needs {missing.name} (pip install -e '.[dev]')"
        if os.environ.get("MVI_REQUIRE_RELEASE"):
            pytest.fail(reason)
        pytest.skip(reason)
    major, minor = (int(part) for part in setuptools.__version__.split(".")[:2])
    assert (major, minor) >= (70, 1), "pyproject's build-system needs setuptools>=70.1: reinstall '.[dev]'"


@dataclass
class Release:
    wheel: Path
    sdist: Path


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Release:
    _require_build_tools()
    out = tmp_path_factory.mktemp("dist")
    run = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)],
                         cwd=out, capture_output=True, text=True, timeout=150)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    (wheel,), (sdist,) = out.glob("*.whl"), out.glob("*.tar.gz")
    return Release(wheel, sdist)


def test_the_wheel_holds_what_the_site_runs_on_and_nothing_of_a_developer_machine(release: Release) -> None:
    names = zipfile.ZipFile(release.wheel).namelist()
    for wanted in RUNTIME_FILES:
        assert any(name.startswith(wanted) for name in names), f"{wanted} is not in the wheel"
    version = release.wheel.name.split("-")[1]
    assert {name.split("/")[0] for name in names} == {PACKAGE, f"{PACKAGE}-{version}.dist-info"}
    assert [name for name in names if FORBIDDEN.search(name)] == []
    entry_points = zipfile.ZipFile(release.wheel).read(next(n for n in names if n.endswith("entry_points.txt")))
    assert b"mvi-challenges = mvi_challenges:main" in entry_points
    # The sdist builds the wheel above, so it holds the inputs; but none of the machine's either.
    with tarfile.open(release.sdist) as sdist:
        members = [name.split("/", 1)[-1] for name in sdist.getnames()]
    assert [name for name in members if FORBIDDEN.search(name)] == []
    assert {"static/vendor/utrecht/design-tokens.css", "setup.py", "deploy/mvi-web.service"} <= set(members)


def test_a_build_without_the_css_or_the_catalogue_is_refused(tmp_path: Path) -> None:
    """A bare checkout (no `make dist`: no npm, no pybabel) must not become a release that serves
    unstyled pages with English text under lang="nl"."""
    _require_build_tools()
    bare = tmp_path / "checkout"
    shutil.copytree(ROOT, bare, ignore=shutil.ignore_patterns(
        ".git", ".venv", "node_modules", "instance", "dist", "build", "tests", "*.egg-info", "vendor", "*.mo"))
    run = subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(tmp_path)],
                         cwd=bare, capture_output=True, text=True, timeout=150)
    assert run.returncode != 0 and not list(tmp_path.glob("*.whl"))
    assert ("missing static/vendor/utrecht/design-tokens.css, static/vendor/utrecht/component-library.css, "
            "mvi_challenges/translations/nl/LC_MESSAGES/messages.mo: build the release with `make dist`"
            ) in run.stdout + run.stderr


@dataclass
class Installed:
    folder: Path  # the working directory: outside the checkout
    python: Path
    command: Path  # the console script
    site: Path

    def env(self, **settings: str) -> dict[str, str]:
        keep = {name: value for name, value in os.environ.items()
                if name in ("PATH", "LANG", "LC_ALL", "HOME", "TMPDIR", "SYSTEMROOT")}
        return {**keep, "DATABASE_URL": f"sqlite:///{self.folder / 'release.sqlite3'}", **settings}

    def run(self, *args: str, **settings: str) -> subprocess.CompletedProcess[str]:
        result = subprocess.run([str(self.command), *args], cwd=self.folder, env=self.env(**settings),
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
        return result


@pytest.fixture(scope="module")
def installed(release: Release, tmp_path_factory: pytest.TempPathFactory) -> Installed:
    folder = tmp_path_factory.mktemp("release")
    assert ROOT not in folder.parents
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder / "venv")], check=True, timeout=60)
    python = folder / "venv" / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    # Third-party packages from this venv, after the new venv's own site-packages (see the docstring).
    (site / "zz_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps",
                    "--no-index", "--disable-pip-version-check", str(release.wheel)],
                   check=True, timeout=120, cwd=folder)
    return Installed(folder, python, folder / "venv" / "bin" / "mvi-challenges", site)


def test_the_installed_package_is_the_wheel_not_the_checkout(installed: Installed) -> None:
    script = ("import json, mvi_challenges as m; app = m.create_app(); "
              "print(json.dumps([m.__file__, app.template_folder, app.static_folder, "
              "app.extensions['migrate'].directory, app.instance_path, m.is_release()]))")
    result = subprocess.run([str(installed.python), "-c", script], cwd=installed.folder,
                            env=installed.env(), capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    module, templates, static, migrations, instance, is_release = json.loads(result.stdout.splitlines()[-1])
    for path in (module, templates, static, migrations):
        assert Path(path).is_relative_to(installed.site / PACKAGE), path
    assert Path(instance) == installed.folder / "instance"  # the working directory's, not site-packages'
    assert is_release is True


@dataclass
class Served:
    base: str
    log: Path

    def get(self, path: str) -> tuple[int, dict[str, str], bytes]:
        try:
            with urllib.request.urlopen(self.base + path, timeout=20) as response:  # noqa: S310 - our loopback
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()


@pytest.fixture(scope="module")
def served(installed: Installed) -> Iterator[Served]:
    """The release as production runs it: migrated by its command, then gunicorn with the deploy's
    settings file (copied next to it, as an operator does) and MVI_ENV=production."""
    port = closed_port()
    base = f"http://127.0.0.1:{port}"
    production = {"MVI_ENV": "production", "SECRET_KEY": secrets.token_hex(32), "PUBLIC_URL": base}
    installed.run("db", "upgrade", **production)
    # Something to show: the demo's calls (seed-demo refuses production, so it runs in development).
    installed.run("seed-demo")
    shutil.copy(ROOT / "deploy" / "gunicorn.conf.py", installed.folder / "gunicorn.conf.py")
    env = installed.env(**production, GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_WORKERS="2",
                        PROMETHEUS_MULTIPROC_DIR=str(installed.folder / "prometheus"))
    log = installed.folder / "gunicorn.log"
    with log.open("w") as output:
        server = subprocess.Popen([str(installed.python), "-m", "gunicorn", "--config", "gunicorn.conf.py",
                                   "mvi_challenges:create_app()"], cwd=installed.folder, env=env,
                                  stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        served = Served(base, log)
        _wait_until_ready(served, server)
        yield served
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def _wait_until_ready(served: Served, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"gunicorn stopped: {served.log.read_text()[-3000:]}")
        try:
            if served.get("/healthz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    pytest.fail(f"gunicorn did not answer within a minute: {served.log.read_text()[-3000:]}")


def test_the_release_serves_the_dutch_home_page(served: Served) -> None:
    status, _, body = served.get("/")
    page = body.decode()
    assert status == 200 and '<html lang="nl">' in page
    # Words of the compiled catalogue, not the English of the code.
    assert "Ga direct naar de inhoud" in page and "Skip to main content" not in page


def test_a_call_page_with_its_stylesheets(served: Served) -> None:
    _, _, listing = served.get("/calls")
    slug = re.search(r'href="/calls/([a-z0-9-]+)"', listing.decode()).group(1)
    status, _, body = served.get(f"/calls/{slug}")
    assert status == 200
    sheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', body.decode())
    assert {"/static/vendor/utrecht/design-tokens.css", "/static/css/site.css"} <= set(sheets)
    for sheet in sheets:
        status, headers, css = served.get(sheet)
        assert status == 200 and headers["Content-Type"].startswith("text/css") and len(css) > 1000, sheet
    assert b"--utrecht-" in served.get("/static/vendor/utrecht/design-tokens.css")[2]
    assert served.get("/static/vendor/axe/axe.min.js")[0] == 404  # the tests' tool stayed behind


def test_the_open_data_description_readiness_and_metrics(served: Served) -> None:
    status, headers, body = served.get("/api/v1/openapi.json")
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    assert json.loads(body)["openapi"].startswith("3.1")
    status, _, body = served.get("/readyz")
    assert status == 200 and json.loads(body)["checks"] == {"database": "ok"}
    status, _, body = served.get("/metrics")  # from loopback, the default allowed address
    assert status == 200 and b'mvi_http_requests_total{endpoint="api.openapi_document"' in body
    # Production's JSON lines, with the request id, reach gunicorn's output.
    lines = [json.loads(line) for line in served.log.read_text().splitlines() if line.startswith("{")]
    assert any(line.get("route") == "/api/v1/openapi.json" and line["request_id"] != "-" for line in lines)
