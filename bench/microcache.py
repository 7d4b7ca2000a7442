"""nginx on loopback in front of the benchmark's gunicorn, with the microcache of
``deploy/nginx/`` (``portal-microcache.conf`` included as shipped; only the cache's folder,
the ports and the absence of TLS differ from ``portal.conf``)."""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.measure import ROOT, free_port

NGINX = "/usr/sbin/nginx"
SNIPPET = ROOT / "deploy" / "nginx" / "portal-microcache.conf"

CONFIG = """
worker_processes auto;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
daemon off;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    proxy_cache_path {folder}/cache keys_zone=portal_pages:10m max_size=256m
                     inactive=10m use_temp_path=off;
    upstream portal {{ server {upstream}; keepalive 32; }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://portal;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            include {snippet};
        }}
    }}
}}
"""


@contextmanager
def nginx(upstream: str) -> Iterator[str]:
    """nginx proxying to ``upstream`` (``http://127.0.0.1:PORT``); yields its base URL."""
    with tempfile.TemporaryDirectory(prefix="bench-nginx-") as name:
        folder = Path(name)
        folder.chmod(0o777)  # nginx's workers run as an unprivileged user when started by root
        yield from _serve(upstream, folder)


def _serve(upstream: str, folder: Path) -> Iterator[str]:
    port = free_port()
    conf = folder / "nginx.conf"
    conf.write_text(
        CONFIG.format(
            folder=folder,
            upstream=urllib.parse.urlsplit(upstream).netloc,
            port=port,
            snippet=SNIPPET,
        )
    )
    log = (folder / "stdout.log").open("wb")
    process = subprocess.Popen(
        [NGINX, "-c", str(conf), "-p", str(folder)],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                urllib.request.urlopen(base + "/bench/hello", timeout=2).read()  # noqa: S310
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    error = (
                        (folder / "error.log").read_text()
                        if (folder / "error.log").exists()
                        else ""
                    )
                    raise RuntimeError(f"nginx did not start: {error}") from None
                time.sleep(0.2)
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        log.close()
