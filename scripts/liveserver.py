"""A real server for reliability checks: gunicorn on loopback, and a small browser to talk to it.

Shared by `scripts/rush.py` (the deadline rush) and `tests/reliability/` (a worker killed in the
middle of an upload). Standard library only, Linux only (worker processes are found in /proc).
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from html import unescape
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
ERROR_BLOCK = re.compile(r'class="[^"]*(?:error-summary|utrecht-alert--error)[^"]*"[^>]*>(.*?)</div>', re.S)

# --- a browser without JavaScript ---------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    status: int
    location: str
    text: str
    seconds: float
    body: bytes = b""  # the raw bytes, for downloads

    def csrf_token(self) -> str:
        """The CSRF token of the first form on the page."""
        match = CSRF_FIELD.search(self.text)
        if match is None:
            raise AssertionError(f"no CSRF token on the page (status {self.status})")
        return unescape(match.group(1))

    def error_text(self) -> str:
        """The words of the first error message on the page (for reports), or ""."""
        match = ERROR_BLOCK.search(self.text)
        if match is None:
            return ""
        return " ".join(unescape(re.sub(r"<[^>]+>", " ", match.group(1))).split())[:200]

    @property
    def path(self) -> str:
        """The redirect target as a path (Flask may answer with a full URL)."""
        parts = urlsplit(self.location)
        return parts.path + (f"?{parts.query}" if parts.query else "")


Recorder = Callable[[str, int, float], None]


class Browser:
    """Keeps cookies, sends forms the way a browser does, never follows redirects.

    One connection per request (gunicorn's sync workers close it anyway). `record(label, status,
    seconds)` is called for every answered request, so callers can count statuses and latency.
    """

    def __init__(self, base_url: str, *, timeout: float = 60.0, record: Recorder | None = None) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.timeout = timeout
        self.record = record
        self.cookies: dict[str, str] = {}
        self._lock = threading.Lock()

    def get(self, path: str, *, label: str = "GET", timeout: float | None = None) -> Reply:
        return self.request("GET", path, label=label, timeout=timeout)

    def post(self, path: str, form: Mapping[str, str], *, label: str = "POST", timeout: float | None = None) -> Reply:
        return self.request("POST", path, body=urlencode(form).encode(), label=label, timeout=timeout,
                            content_type="application/x-www-form-urlencoded")

    def post_multipart(self, path: str, fields: Mapping[str, str], files: Mapping[str, tuple[str, str, bytes]],
                       *, label: str = "POST") -> Reply:
        body, content_type = multipart_body(fields, files)
        return self.request("POST", path, body=body, content_type=content_type, label=label)

    def cookie_header(self) -> str:
        with self._lock:
            return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def request(self, method: str, path: str, *, body: bytes = b"", content_type: str | None = None,
                label: str = "", timeout: float | None = None) -> Reply:
        """Send one request; a timeout or a dropped connection raises (TimeoutError, OSError)."""
        headers = {"Cookie": self.cookie_header(), "Accept-Language": "en", "Connection": "close"}
        if content_type:
            headers["Content-Type"] = content_type
        connection = http.client.HTTPConnection(self.host, self.port, timeout=timeout or self.timeout)
        started = time.perf_counter()
        try:
            connection.request(method, path, body=body or None, headers=headers)
            response = connection.getresponse()
            body = response.read()
            text = body.decode("utf-8", "replace")
        finally:
            connection.close()
        seconds = time.perf_counter() - started
        self._store_cookies(response.headers.get_all("Set-Cookie") or [])
        if self.record is not None:
            self.record(label or method, response.status, seconds)
        return Reply(response.status, response.headers.get("Location", ""), text, seconds, body)

    def _store_cookies(self, headers: list[str]) -> None:
        with self._lock:
            for header in headers:
                cookie = SimpleCookie()
                cookie.load(header)
                for name, morsel in cookie.items():
                    if morsel.value == "" or morsel["max-age"] == "0":
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = morsel.value


def multipart_body(fields: Mapping[str, str], files: Mapping[str, tuple[str, str, bytes]]) -> tuple[bytes, str]:
    """A multipart/form-data body: files map a field name to (filename, content type, bytes)."""
    boundary = f"----reliability{os.urandom(8).hex()}"
    parts: list[bytes] = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, content_type, data) in files.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                     f"Content-Type: {content_type}\r\n\r\n".encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


# --- gunicorn ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ServerFailed(RuntimeError):
    """gunicorn did not come up (its log is in the message)."""


class GunicornServer:
    """gunicorn with `workers` sync workers on a free loopback port, started in its own session.

    `env` is added to the current environment (DATABASE_URL, UPLOAD_FOLDER, SECRET_KEY, ...).
    Use as a context manager; start() retries on another port when the first one was taken.
    """

    def __init__(self, app_target: str, *, workers: int, env: Mapping[str, str], log_path: Path,
                 extra_args: tuple[str, ...] = (), startup_timeout: float = 90.0) -> None:
        self.app_target = app_target
        self.workers = workers
        self.env = {**os.environ, **env}
        self.log_path = log_path
        self.extra_args = extra_args
        self.startup_timeout = startup_timeout
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> GunicornServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self, attempts: int = 3) -> None:
        for attempt in range(1, attempts + 1):
            self.port = free_port()
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and fixed arguments
                [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}", "--workers",
                 str(self.workers), "--timeout", "120", "--graceful-timeout", "5", "--log-level", "warning",
                 "--error-logfile", str(self.log_path), *self.extra_args, self.app_target],
                cwd=PROJECT_ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            try:
                self.wait_until_ready()
                return
            except ServerFailed:
                self.stop()
                if attempt == attempts:
                    raise

    def wait_until_ready(self, timeout: float | None = None) -> None:
        """Until /healthz answers 200 and every worker is up (a 2-core machine may be slow)."""
        deadline = time.monotonic() + (timeout or self.startup_timeout)
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                raise ServerFailed(f"gunicorn exited during start-up:\n{self.log_tail()}")
            try:
                healthy = Browser(self.base_url, timeout=5).get("/healthz").status == 200
            except OSError:
                healthy = False
            if healthy and len(self.worker_pids()) == self.workers:
                return
            time.sleep(0.1)
        raise ServerFailed(f"gunicorn did not become ready in time:\n{self.log_tail()}")

    def stop(self) -> None:
        """SIGTERM to the master (graceful), SIGKILL to whatever is left after 10 seconds."""
        if self.process is None:
            return
        workers = self.worker_pids()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        for pid in workers:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        self.process = None

    def worker_pids(self) -> list[int]:
        if self.process is None:
            return []
        return children_of(self.process.pid)

    def worker_holding(self, client_port: int) -> int | None:
        """The worker whose socket is connected to our client's local port, if any yet."""
        inode = server_socket_inode(self.port, client_port)
        if inode is None:
            return None
        for pid in self.worker_pids():
            if f"socket:[{inode}]" in open_sockets(pid):
                return pid
        return None

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


# --- processes and sockets in /proc --------------------------------------------------------------


def children_of(parent: int) -> list[int]:
    """Live child processes of `parent` (zombies excluded)."""
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may contain spaces, so split after the last ')'.
        state, ppid = stat.rsplit(")", 1)[1].split()[:2]
        if int(ppid) == parent and state != "Z":
            children.append(int(entry.name))
    return sorted(children)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def server_socket_inode(server_port: int, client_port: int) -> str | None:
    """The inode of the server-side socket of the TCP connection from `client_port` to `server_port`."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            remote_port = int(fields[2].rsplit(":", 1)[1], 16)
            if local_port == server_port and remote_port == client_port and fields[9] != "0":
                return fields[9]
    return None


def open_sockets(pid: int) -> set[str]:
    sockets = set()
    try:
        descriptors = list(Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return sockets
    for descriptor in descriptors:
        try:
            target = os.readlink(descriptor)
        except OSError:
            continue
        if target.startswith("socket:"):
            sockets.add(target)
    return sockets
