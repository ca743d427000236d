"""`make run` is quiet: the development server prints the address it serves and what goes wrong,
not a line per request, and the demo's seventy "mail queued" notes stay out of the terminal."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FLASK = [sys.executable, "-m", "flask", "--app", "app"]


def _environment(tmp_path: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if key not in {"LOG_FORMAT", "MVI_ENV", "REDIS_URL", "PAGE_CACHE_SECONDS"}}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'run.sqlite3'}", UPLOAD_FOLDER=str(tmp_path / "uploads"),
               MVI_DEMO="1", PYTHONUNBUFFERED="1")
    return env


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_seeding_the_demo_prints_one_line_and_serving_prints_only_the_address(tmp_path: Path) -> None:
    env = _environment(tmp_path)
    subprocess.run([*FLASK, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True, timeout=120)
    seeded = subprocess.run([*FLASK, "seed-demo", "--if-empty"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=300)
    assert seeded.returncode == 0, seeded.stderr
    assert "mail queued" not in seeded.stdout + seeded.stderr
    assert seeded.stdout.strip().startswith("demo data:") and len(seeded.stdout.strip().splitlines()) == 1

    port = _free_port()
    server = subprocess.Popen([*FLASK, "run", "--host", "127.0.0.1", "--port", str(port)], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).read()
                break
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline, "the development server did not start"
                time.sleep(0.3)
        urllib.request.urlopen(f"http://127.0.0.1:{port}/calls", timeout=10).read()
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/no-such-page", timeout=10)
        except urllib.error.HTTPError as error:
            assert error.code == 404
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    lines = [line for line in output.splitlines() if line.strip()]
    assert any(line.endswith(f" * Running on http://127.0.0.1:{port}") for line in lines), output
    assert not any("GET /" in line for line in lines), output
    assert "development server" not in output and "mail queued" not in output
    # Flask's own two banner lines may stay; nothing else.
    assert len(lines) <= 3, output
