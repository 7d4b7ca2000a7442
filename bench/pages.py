"""Page benchmark: real pages under gunicorn against a bare "hello" route, measured by wrk.

One run: a fresh database (SQLite in a temporary folder, or ``BENCH_DATABASE_URL``, which
should be an empty scratch database) gets the migrations and the demo data; gunicorn serves
``bench.web:app`` with the production settings and 2 workers on loopback; ``wrk`` (16
connections, ``BENCH_SECONDS`` each, default 10) measures the hello route first, then every
page. Each page's requests per second are compared with the hello route's.

Two measurements of the anonymous article go beyond a plain request: its revalidation (the
request carries the page's ``ETag`` in ``If-None-Match`` and gets 304), and the page
through nginx with the microcache of ``deploy/nginx/`` (``bench/microcache.py``) in front
of the same gunicorn, compared with the hello route on gunicorn alone in the same rounds.

To add a page (the lead's client dashboard, say): add a ``Page`` to ``PAGES`` with the demo
account to sign in as; the harness signs in through the real login form and sends the
session cookie with every request.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.client import HTTPConnection
from pathlib import Path

from bench.measure import ROOT, free_port
from bench.microcache import NGINX, nginx
from bench.scratch import databases, scratch_database

WRK = "/usr/bin/wrk"


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    goal: float | None  # requests/s as a fraction of the hello route's; None: for reference
    sign_in: tuple[str, str] | None = None  # (email, password) of a demo account
    conditional: bool = False  # sent with If-None-Match: the page's own ETag (a 304)
    microcache: bool = False  # through nginx's microcache rather than to gunicorn


RUNNER = ("runner@example.com", "runner-demo-pass")

PAGES = [
    Page("client dashboard, 300 sessions", "/portal/", 0.25, sign_in=RUNNER),
    Page("client session history, 300 sessions", "/portal/sessions", 0.25, sign_in=RUNNER),
    Page("article, 200+ comments, anonymous", "/blog/the-session-before-race-day", 0.5),
    Page(
        "article, 200+ comments, signed-in reader",
        "/blog/the-session-before-race-day",
        0.25,
        sign_in=("runner@example.com", "runner-demo-pass"),
    ),
    Page(
        "article, anonymous, revalidated (304)",
        "/blog/the-session-before-race-day",
        0.7,
        conditional=True,
    ),
    Page(
        "article, anonymous, behind nginx's microcache",
        "/blog/the-session-before-race-day",
        3.0,
        microcache=True,
    ),
]


@dataclass
class Result:
    name: str
    requests_per_second: float
    latency_p50_ms: float
    latency_p95_ms: float
    errors: int


def bench_environment(database_url: str, workdir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PORTAL_", "HUEY_"))}
    env.update(
        {
            "PORTAL_CONFIG": "production",
            "SECRET_KEY": secrets.token_urlsafe(48),
            "DATABASE_URL": database_url,
            "MAIL_SERVER": "127.0.0.1",  # never reached: nothing is mailed during the bench
            "HUEY_SQLITE_PATH": str(workdir / "tasks.sqlite"),
            "BLOG_IMAGE_DIR": str(workdir / "images"),
        }
    )
    env.pop("REDIS_URL", None)  # rate-limit counters and queue stay in-process
    return env


def prepare_database(env: dict[str, str]) -> None:
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    for command in (["db", "upgrade"], ["seed-demo"]):
        subprocess.run(
            flask + command, cwd=ROOT, env=env, check=True, capture_output=True, timeout=300
        )
    subprocess.run(  # the demo runner's history grows to 300 sessions
        [sys.executable, "-m", "bench.history"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )


GUNICORN_OPTIONS = os.environ.get("BENCH_GUNICORN_OPTIONS", "").split()


@contextmanager
def gunicorn(env: dict[str, str], workers: int = 2, log: Path | None = None) -> Iterator[str]:
    port = free_port()
    log = log or Path(env["HUEY_SQLITE_PATH"]).with_name("gunicorn.log")
    log_file = log.open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            *GUNICORN_OPTIONS,
            "bench.web:app",
        ],  # fmt: skip
        cwd=ROOT,
        env=env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(base + "/bench/hello", timeout=2).read()  # noqa: S310
                break
            except OSError:  # refused, reset or timed out while the workers boot
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not start: {log.read_text()}") from None
                time.sleep(0.2)
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        log_file.close()


def _cookies(headers: list[tuple[str, str]]) -> dict[str, str]:
    jar = {}
    for name, value in headers:
        if name.lower() == "set-cookie":
            pair = value.split(";", 1)[0]
            key, _, val = pair.partition("=")
            jar[key.strip()] = val.strip()
    return jar


def sign_in(base: str, email: str, password: str) -> str:
    """The Cookie header of a session signed in through the real login form.

    Production cookies are ``Secure``; a browser would not send them over plain http, but
    wrk sends whatever header it is given, which is what loopback measurement needs.
    """
    host, port = urllib.parse.urlsplit(base).netloc.split(":")
    connection = HTTPConnection(host, int(port), timeout=10)
    connection.request("GET", "/login")
    response = connection.getresponse()
    page = response.read().decode()
    jar = _cookies(response.getheaders())
    # An anonymous reader's login form carries no CSRF token (portal.cross_origin).
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    fields = {"email": email, "password": password}
    if token is not None:
        fields["csrf_token"] = token.group(1)
    body = urllib.parse.urlencode(fields)
    connection.close()
    connection = HTTPConnection(host, int(port), timeout=30)  # gunicorn's sync workers close it
    connection.request(
        "POST",
        "/login",
        body=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": "; ".join(f"{k}={v}" for k, v in jar.items()),
        },
    )
    response = connection.getresponse()
    response.read()
    if response.status != 302:
        raise RuntimeError(f"signing in as {email} failed: {response.status}")
    jar.update(_cookies(response.getheaders()))
    connection.close()
    return "; ".join(f"{k}={v}" for k, v in jar.items())


LATENCY_SCRIPT = Path(__file__).with_name("latency.lua")


def _milliseconds(output: str, percentile: str) -> float:
    """A latency percentile printed by ``latency.lua`` (microseconds) as milliseconds."""
    found = re.search(rf"^percentile {percentile} (\d+)$", output, re.MULTILINE)
    return int(found.group(1)) / 1000 if found else float("nan")


def run_wrk(
    url: str,
    *,
    seconds: int,
    connections: int = 16,
    cookie: str | None = None,
    headers: dict[str, str] | None = None,
) -> Result:
    command = [WRK, "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s"]
    command += ["-s", str(LATENCY_SCRIPT)]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(
        command + [url], capture_output=True, text=True, check=True, timeout=seconds + 60
    ).stdout
    found = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if found is None:
        raise RuntimeError(f"wrk printed no rate:\n{output}")
    rate = float(found.group(1))
    p50, p95 = _milliseconds(output, "50"), _milliseconds(output, "95")
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    count = int(errors.group(1)) if errors else 0
    if socket_errors:
        count += sum(int(n) for n in socket_errors.groups())
    return Result(url, rate, p50, p95, count)


def measure_pages(
    pages: list[Page], *, database_url: str | None = None, seconds: int = 10, rounds: int = 3
) -> tuple[Result, list[tuple[Page, Result]]]:
    with (
        tempfile.TemporaryDirectory(prefix="page-bench-") as folder,
        scratch_database(database_url, Path(folder)) as url,
    ):
        workdir = Path(folder)
        env = bench_environment(url, workdir)
        print(f"bench: preparing {url.split('@')[-1]} …", file=sys.stderr)
        prepare_database(env)
        with gunicorn(env) as base, nginx(base) as cached:
            cookies = {p.sign_in: sign_in(base, *p.sign_in) for p in pages if p.sign_in}
            etags: dict[str, str] = {}
            for page in pages:  # warm both workers' caches and check the pages answer
                for _ in range(4):
                    request = urllib.request.Request(base + page.path)  # noqa: S310 (http on loopback)
                    if page.sign_in:
                        request.add_header("Cookie", cookies[page.sign_in])
                    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                        assert response.status == 200, (page.path, response.status)
                        if page.conditional:
                            etags[page.path] = response.headers["ETag"]
            # Interleaved rounds, medians reported: the machine is shared and noisy, and a
            # ratio is only fair between measurements taken side by side.
            hellos: list[Result] = []
            runs: dict[str, list[Result]] = {page.name: [] for page in pages}
            for round_number in range(1, rounds + 1):
                print(f"bench: round {round_number} of {rounds} …", file=sys.stderr)
                hellos.append(run_wrk(base + "/bench/hello", seconds=seconds))
                for page in pages:
                    # A fresh sign-in for each run: a browser stores the session cookie the
                    # site sends back, wrk cannot. Replaying one cookie for minutes would
                    # make the site re-sign it on every request once its last-request time
                    # is a minute old (portal.auth.session), which no real reader causes.
                    cookie = sign_in(base, *page.sign_in) if page.sign_in else None
                    headers = {"If-None-Match": etags[page.path]} if page.conditional else {}
                    runs[page.name].append(
                        run_wrk(
                            (cached if page.microcache else base) + page.path,
                            seconds=seconds,
                            cookie=cookie,
                            headers=headers,
                        )
                    )
    return _median(hellos), [(page, _median(runs[page.name])) for page in pages]


def _median(results: list[Result]) -> Result:
    middle = sorted(results, key=lambda result: result.requests_per_second)[len(results) // 2]
    middle.errors = sum(result.errors for result in results)
    return middle


def page_table(label: str, hello: Result, results: list[tuple[Page, Result]]) -> str:
    lines = [
        f"{label}: gunicorn, production settings, 2 workers; wrk, 16 connections, loopback; "
        "requests/s are medians of interleaved rounds",
        "",
        "| page | requests/s | ratio to hello | goal | p50 | p95 | errors |",
        "|---|---:|---:|---|---:|---:|---:|",
        f"| bare Flask hello route | {hello.requests_per_second:,.0f} | 1.00× | | "
        f"{hello.latency_p50_ms:.1f} ms | {hello.latency_p95_ms:.1f} ms | {hello.errors} |",
    ]
    for page, result in results:
        ratio = result.requests_per_second / hello.requests_per_second
        if page.goal is None:
            goal = "(reference)"
        else:
            goal = f"≥ {page.goal:.2f}× ({'met' if ratio >= page.goal else 'MISSED'})"
        lines.append(
            f"| {page.name} | {result.requests_per_second:,.0f} | {ratio:.2f}× | "
            f"{goal} | {result.latency_p50_ms:.1f} ms | "
            f"{result.latency_p95_ms:.1f} ms | {result.errors} |"
        )
    return "\n".join(lines)


def run() -> list[tuple[str, Result, list[tuple[Page, Result]]]]:
    """Every page on SQLite, and on PostgreSQL when ``BENCH_DATABASE_URL`` is set."""
    seconds = int(os.environ.get("BENCH_SECONDS", 10))
    rounds = int(os.environ.get("BENCH_ROUNDS", 3))
    runs = []
    for label, base in databases():
        hello, results = measure_pages(PAGES, database_url=base, seconds=seconds, rounds=rounds)
        print(page_table(label, hello, results), end="\n\n", flush=True)
        runs.append((label, hello, results))
    return runs


def main() -> int:
    if not Path(WRK).exists() or not Path(NGINX).exists():
        print("bench: the page benchmark needs wrk and nginx (apt-get install wrk nginx)")
        return 1
    run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
