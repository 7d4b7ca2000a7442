"""Running wapiti and sqlmap against a deployment, one role at a time."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import signal
import subprocess
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.measure import ROOT
from tools.scan.findings import Run, access_statuses, sqlmap_findings, wapiti_findings
from tools.scan.server import Browser, Deployment, find_form, signed_in

WAPITI_MODULES = (
    "xss,permanentxss,sql,exec,file,crlf,redirect,csrf,backup,htaccess,methods,"
    "http_headers,cookieflags,csp"
)
# Not ssrf or xxe: they call out to an endpoint on the internet. Not blindsql by default: on
# this machine it sent one request a second and overran its --max-attack-time many times
# over; sqlmap's boolean and time-based techniques cover blind injection on every form.
# ``--wapiti-modules`` adds it back.
# Forms the crawler must not submit (wapiti 3 posts every form it finds): they would end the
# scan's own session or delete what the other forms need. Each is covered by the test suite.
WAPITI_EXCLUDED = (
    "/logout",
    "/account/sign-out-everywhere",
    "/account/delete",
    "/account/password",
    "/account/email",
    "/staff/accounts/*/active",
    "/staff/posts/*/delete",
    "/staff/posts/*/unpublish",
    "/staff/clients/*/sessions/*/delete",
    "/staff/newsletter/tips/*/steps/*/delete",
    "/blog/comments/*/delete",
)
START_PATHS = {
    "anonymous": ["/", "/blog/", "/login", "/register", "/reset-password", "/newsletter/subscribe"],
    "member": ["/account", "/blog/", "/newsletter/account"],
    "client": ["/portal/", "/portal/profile", "/portal/recommendations", "/portal/sessions"],
    "staff": ["/staff/", "/staff/clients", "/staff/posts/new", "/staff/newsletter/new",
              "/staff/comments"],
    "admin": ["/staff/settings", "/staff/accounts", "/staff/mail/mailbox", "/staff/audit"],
}  # fmt: skip
HOME = {
    "anonymous": "/",
    "member": "/account",
    "client": "/portal/",
    "staff": "/staff/",
    "admin": "/staff/settings",
}


def _run(command: list[str], log: Path, timeout: float) -> tuple[str, bool]:
    """Run ``command`` in its own process group; (output, finished in time)."""
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603
            command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            process.wait(timeout=timeout)
            finished = True
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            finished = False
    return log.read_text(errors="replace"), finished


class Meter:
    """Requests and 5xx answers that reached gunicorn while a tool ran (its access log)."""

    def __init__(self, deployment: Deployment) -> None:
        self.log = deployment.access_log
        self.start = deployment.access_lines()
        self.started = time.monotonic()

    def close(self, run: Run) -> None:
        lines = self.log.read_text(errors="replace").splitlines()[self.start :]
        run.requests = len(lines)
        run.server_errors = sum(n for status, n in access_statuses(lines).items() if status >= 500)
        run.seconds = time.monotonic() - self.started


def wapiti_cookie_file(browser: Browser, path: Path) -> Path:
    host = urllib.parse.urlsplit(browser.base).hostname or "127.0.0.1"
    jar: dict[str, dict[str, dict[str, dict[str, object]]]] = {host: {}}
    for cookie in browser.jar:
        jar[host].setdefault(cookie.path or "/", {})[cookie.name] = {
            "value": cookie.value,
            "expires": None,
            "secure": True,
            "port": None,
            "version": 0,
        }
    path.write_text(json.dumps(jar))
    return path


def run_wapiti(
    deployment: Deployment,
    browser: Browser,
    database: str,
    role: str,
    *,
    scan_seconds: float,
    attack_seconds: float,
    modules: str = WAPITI_MODULES,
) -> Run:
    folder = deployment.workdir / f"wapiti-{role}"
    folder.mkdir(exist_ok=True)
    base = deployment.base + "/"
    command = [
        "/usr/bin/python3", str(Path(__file__).with_name("wapiti_runner.py")),
        "-u", base, "--scope", "folder", "-m", modules,
        "-c", str(wapiti_cookie_file(browser, folder / "cookies.json")),
        "--max-scan-time", str(scan_seconds), "--max-attack-time", str(attack_seconds),
        "-d", "4", "--max-links-per-page", "30", "--max-files-per-dir", "40",
        "--max-parameters", "15", "-t", "15", "--verify-ssl", "0",
        "--endpoint", "https://127.0.0.1:9/",  # never the default endpoint on the internet
        "--store-session", str(folder / "session"), "--store-config", str(folder / "config"),
        "--flush-session", "--no-bugreport", "-v", "1",
        "-f", "json", "-o", str(folder / "report.json"),
    ]  # fmt: skip
    for path in START_PATHS[role]:
        command += ["-s", deployment.base + path]
    for path in WAPITI_EXCLUDED:
        command += ["-x", deployment.base + path]
    run = Run("wapiti", database, role, "crawl + attack")
    meter = Meter(deployment)
    count = modules.count(",") + 1
    output, finished = _run(
        # wapiti's permanentxss overruns --max-attack-time (it reloads every crawled page
        # after each injection), and a killed wapiti writes no report: a wide margin.
        command,
        folder / "wapiti.log",
        timeout=scan_seconds + count * attack_seconds + 900,
    )
    meter.close(run)
    report = folder / "report.json"
    if report.exists():
        run.findings = wapiti_findings(json.loads(report.read_text()), database, role)
    else:
        run.notes.append(f"no report; end of log: {output[-400:]!r}")
    if not finished:
        run.notes.append("stopped at the harness's time limit")
    if role != "anonymous" and not signed_in(browser, HOME[role]):
        run.notes.append("the session was signed out during the scan (coverage may be partial)")
    return run


# sqlmap -------------------------------------------------------------------------------------

Resolver = Callable[[Browser], str]


def _first(browser: Browser, page: str, pattern: str) -> str:
    _, _, html = browser.get(page)
    found = re.search(pattern, html)
    if found is None:
        raise LookupError(f"nothing like {pattern} on {page}")
    return found.group(1)


def article(browser: Browser) -> str:
    slug = _first(browser, "/blog/", r'href="/blog/(?!tag/|feed|images/|comments/)([a-z0-9-]+)"')
    return f"/blog/{slug}"


def client_record(suffix: str) -> Resolver:
    def resolve(browser: Browser) -> str:
        client_id = _first(browser, "/staff/clients", r'/staff/clients/(\d+)"')
        return f"/staff/clients/{client_id}{suffix}"

    return resolve


@dataclass(frozen=True)
class Target:
    role: str
    name: str
    page: str | Resolver  # the page that shows the form (and its CSRF token)
    action: str  # regular expression for the form's action path


SQLMAP_TARGETS = (
    Target("anonymous", "sign-in", "/login", "/login"),
    Target("anonymous", "register", "/register", "/register"),
    Target("anonymous", "reset request", "/reset-password", "/reset-password"),
    Target("anonymous", "guest comment", article, r"/blog/[^/]+/comments"),
    Target("anonymous", "newsletter subscribe", "/newsletter/subscribe", "/newsletter/subscribe"),
    Target("anonymous", "blog search", "/blog/", "/blog/"),
    Target("member", "comment", article, r"/blog/[^/]+/comments"),
    Target("member", "account name", "/account", "/account/name"),
    Target("client", "training profile", "/portal/profile", "/portal/profile"),
    Target("client", "mark done", "/portal/recommendations", r"/portal/recommendations/\d+/done"),
    Target("staff", "client search", "/staff/clients", "/staff/clients"),
    Target("staff", "record a session", client_record("/sessions/new"), r".*/sessions/new"),
    Target(
        "staff", "recommendation", client_record("/recommendations/new"), r".*/recommendations/new"
    ),
    Target("staff", "article editor", "/staff/posts/new", "/staff/posts/new"),
    Target("staff", "campaign composer", "/staff/newsletter/new", "/staff/newsletter/new"),
    Target("staff", "comment moderation", "/staff/comments", "/staff/comments/moderate"),
    Target("admin", "practice settings", "/staff/settings", "/staff/settings"),
    Target("admin", "invite a colleague", "/staff/accounts", "/staff/accounts"),
)

HONEYPOTS = {"website"}


def fill(name: str, kind: str, value: str) -> str:
    """A plausible value for an empty field, so the form gets past validation."""
    if value.strip() or name in HONEYPOTS or kind == "hidden":
        return value
    lowered = name.lower()
    today = dt.date.today()
    if kind == "email" or "email" in lowered:
        return "scan@example.com"
    if kind == "password" or "password" in lowered:
        return "scan-password-2026-x"
    if kind == "datetime-local":
        return f"{today + dt.timedelta(days=30)}T10:00"
    if kind == "date" or lowered.endswith(("date", "_on", "_day")):
        return str(today + dt.timedelta(days=30))
    if kind == "time":
        return "10:00"
    if kind == "url" or lowered.endswith("url"):
        return "https://example.com/"
    if kind == "number" or lowered.endswith(("_id", "minutes", "level", "score")):
        return "3"
    if kind in ("checkbox", "radio"):
        return "y"
    return "scan text"


def run_sqlmap(
    deployment: Deployment,
    browser: Browser,
    database: str,
    target: Target,
    *,
    timeout: float,
    thorough: bool,
) -> Run:
    run = Run("sqlmap", database, target.role, target.name)
    try:
        page = target.page if isinstance(target.page, str) else target.page(browser)
        _, _, html = browser.get(page)
        form = find_form(html, target.action, page)
        if form is None:
            raise LookupError(f"no form posting to {target.action} on {page}")
    except LookupError as error:
        run.notes.append(f"not run: {error}")
        return run
    values = {name: fill(name, kind, value) for name, kind, value in form.fields}
    # A form with a prefix (the account page's "nm-", "pw-"…) names its token "nm-csrf_token".
    token = next((name for name in values if name.endswith("csrf_token")), None)
    parameters = [name for name in values if name != token]
    slug = re.sub(r"\W+", "-", target.name)
    folder = deployment.workdir / "sqlmap" / f"{target.role}-{slug}"
    folder.mkdir(parents=True, exist_ok=True)
    command = [
        "/usr/bin/sqlmap", "--batch", "--disable-coloring", "--flush-session",
        "--output-dir", str(folder), "--cookie", browser.cookie_header(),
        # Flask-WTF checks that an HTTPS form post comes from a page of the same origin.
        "--referer", deployment.base + page,
        "--level", "2", "--risk", "1", "--timeout", "20", "--retries", "1",
        "--dbms", "SQLite" if database == "sqlite" else "PostgreSQL",
        "-p", ",".join(parameters),
    ]  # fmt: skip
    if not thorough:
        command.append("--smart")
    url = deployment.base + form.action
    if form.method == "post":
        # No --method POST: sqlmap would then fetch the --csrf-url page with POST too.
        command += ["-u", url, "--data", urllib.parse.urlencode(values)]
        if token:
            command += ["--csrf-token", token, "--csrf-url", deployment.base + page]
            command += ["--csrf-method", "GET"]
    else:
        command += ["-u", url + "?" + urllib.parse.urlencode(values)]
    meter = Meter(deployment)
    output, finished = _run(command, folder / "sqlmap.log", timeout=timeout)
    meter.close(run)
    run.findings = sqlmap_findings(
        output, database, target.role, f"{form.method.upper()} {form.action}"
    )
    if not finished:
        run.notes.append(f"stopped at the harness's limit of {timeout:.0f} s")
    problems = [
        line
        for line in output.splitlines()
        if ("[CRITICAL]" in line or "[ERROR]" in line)
        and "do not appear to be injectable" not in line
    ]
    if problems:  # the target was not (fully) tested: a coverage gap, not a finding
        run.notes.append(f"sqlmap: {problems[-1][-200:]}")
    return run
