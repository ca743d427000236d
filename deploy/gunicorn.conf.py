"""gunicorn settings for production (deploy/mvi-web.service; the container uses the same file).

The command line of the README's production section, plus what prometheus_client's multi-process
mode needs: an empty PROMETHEUS_MULTIPROC_DIR at start, and a dead worker's live gauges forgotten.
"""

import os
import shutil

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "4"))  # two per core
timeout = 60
graceful_timeout = 30
max_requests = 2000
max_requests_jitter = 200
forwarded_allow_ips = "127.0.0.1"
accesslog = None  # the app writes one JSON line per request (LOG_FORMAT=json)


def on_starting(server):
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:  # counts of a previous run would be added to this one's
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(folder, exist_ok=True)


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
