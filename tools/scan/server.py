"""A scratch deployment to scan: database, gunicorn over TLS on loopback, signed-in roles."""

from __future__ import annotations

import http.cookiejar
import os
import re
import secrets
import signal
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from bench.measure import ROOT, free_port

POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
MEMBER = ("reader@example.com", "reader-scan-pass-2026", "member")

# Who signs in (anonymous has no credentials). The member is created by the harness with
# ``flask create-user``; the others are the demo logins of ``seed-demo``.
ROLES: dict[str, tuple[str, str] | None] = {
    "anonymous": None,
    "member": (MEMBER[0], MEMBER[1]),
    "client": ("runner@example.com", "runner-demo-pass"),
    "staff": ("therapist@example.com", "therapist-demo-pass"),
    "admin": ("admin@example.com", "admin-demo-pass"),
}

# The scan's only departures from production settings: the comment form's flood control
# and the rate limits would otherwise refuse the scanners' quick, repeated posts with a form
# error or a 429 before their payloads reach the code under test.
SCAN_RELAXATIONS = {
    "COMMENT_FLOOD_SECONDS": "0",
    "COMMENT_LIMIT_PER_IP": "100000 per minute",
    "LOGIN_LIMIT_PER_IP": "100000 per minute",
    "LOGIN_FAILURES_PER_ACCOUNT": "100000 per hour",
    "LOGIN_FAILURES_PER_DEVICE": "100000 per hour",
    "REGISTER_LIMIT_PER_IP": "100000 per minute",
    "REGISTER_LIMIT_PER_ACCOUNT": "100000 per hour",
    "RESET_LIMIT_PER_IP": "100000 per minute",
    "RESET_LIMIT_PER_ACCOUNT": "100000 per hour",
    "SUBSCRIBE_LIMIT_PER_IP": "100000 per minute",
    "SUBSCRIBE_LIMIT_PER_ADDRESS": "100000 per hour",
}


@dataclass
class Deployment:
    base: str
    workdir: Path
    access_log: Path
    server_log: Path
    cookies: dict[str, dict[str, str]] = field(default_factory=dict)  # role -> name -> value

    def access_lines(self) -> int:
        if not self.access_log.exists():
            return 0
        with self.access_log.open("rb") as lines:
            return sum(1 for _ in lines)


@contextmanager
def scratch_database(kind: str, workdir: Path, postgres_url: str) -> Iterator[str]:
    """A database URL for one run; a PostgreSQL schema is created and dropped around it."""
    if kind == "sqlite":
        yield f"sqlite:///{workdir / 'scan.sqlite'}"
        return
    import psycopg

    schema = f"scan_{secrets.token_hex(4)}"
    with psycopg.connect(postgres_url, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    try:
        separator = "&" if "?" in postgres_url else "?"
        yield f"{postgres_url}{separator}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def environment(database_url: str, workdir: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PORTAL_", "HUEY_", "GUNICORN_")) and k != "REDIS_URL"
    }
    env.update(
        {
            "PORTAL_CONFIG": "production",
            "SECRET_KEY": secrets.token_urlsafe(48),
            "DATABASE_URL": database_url,
            "MAIL_SERVER": "127.0.0.1",  # never reached: no worker runs during a scan
            "HUEY_SQLITE_PATH": str(workdir / "tasks.sqlite"),
            "BLOG_IMAGE_DIR": str(workdir / "images"),
            "HOME": str(workdir),
            **SCAN_RELAXATIONS,
        }
    )
    return env


def prepare_database(env: dict[str, str]) -> None:
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    email, password, role = MEMBER
    for command in (
        ["db", "upgrade"],
        ["seed-demo"],
        ["create-user", email, "--role", role, "--password", password],
    ):
        done = subprocess.run(  # noqa: S603
            flask + command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
        )
        if done.returncode:
            raise RuntimeError(f"flask {' '.join(command[:2])} failed:\n{done.stderr[-2000:]}")


def self_signed_certificate(workdir: Path) -> tuple[Path, Path]:
    cert, key = workdir / "cert.pem", workdir / "key.pem"
    subprocess.run(  # noqa: S603
        ["/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
        timeout=60,
    )  # fmt: skip
    return cert, key


def _context() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # our own throw-away certificate, on loopback
    return context


@contextmanager
def gunicorn(env: dict[str, str], workdir: Path, workers: int = 2) -> Iterator[Deployment]:
    """gunicorn with deploy/gunicorn.conf.py (production app settings), TLS on loopback."""
    port = free_port()
    cert, key = self_signed_certificate(workdir)
    access_log, server_log = workdir / "access.log", workdir / "gunicorn.log"
    env = {
        **env,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": str(workers),
        "GUNICORN_ACCESS_LOG": str(access_log),
    }
    log_file = server_log.open("wb")
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py",
         "--certfile", str(cert), "--keyfile", str(key), "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    base = f"https://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2, context=_context()).read()  # noqa: S310
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"gunicorn did not start: {server_log.read_text()}"
                    ) from None
                time.sleep(0.3)
        yield Deployment(base, workdir, access_log, server_log)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
        log_file.close()


class Browser:
    """A cookie-keeping HTTPS client for loopback (no certificate check, redirects followed)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar),
            urllib.request.HTTPSHandler(context=_context()),
        )

    def get(self, path: str) -> tuple[int, str, str]:
        """(status, final URL, body) of a GET."""
        try:
            with self.opener.open(self.base + path, timeout=30) as response:
                return response.status, response.url, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.url, error.read().decode(errors="replace")

    def post(self, path: str, data: dict[str, str]) -> tuple[int, str, str]:
        body = urllib.parse.urlencode(data).encode()
        # Flask-WTF wants an HTTPS form post to come from a page of the same origin.
        request = urllib.request.Request(  # noqa: S310 (https on loopback)
            self.base + path, data=body, headers={"Referer": self.base + path}
        )
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.url, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.url, error.read().decode(errors="replace")

    def cookies(self) -> dict[str, str]:
        return {cookie.name: cookie.value or "" for cookie in self.jar}

    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies().items())


def sign_in(base: str, role: str) -> Browser:
    """A browser signed in as ``role`` through the real login form (anonymous: a session
    with a CSRF secret, from the sign-in page)."""
    browser = Browser(base)
    status, _, page = browser.get("/login")
    credentials = ROLES[role]
    if credentials is None:
        return browser
    form = find_form(page, "/login", "/login")
    if form is None:
        raise RuntimeError("no sign-in form on /login")
    status, url, _ = browser.post(
        "/login",
        {**form.values(), "email": credentials[0], "password": credentials[1]},
    )
    if status != 200 or urllib.parse.urlsplit(url).path == "/login":
        raise RuntimeError(f"signing in as {role} failed: {status} {url}")
    return browser


def signed_in(browser: Browser, path: str) -> bool:
    """Whether the browser's session still reaches ``path`` (not bounced to /login)."""
    status, url, _ = browser.get(path)
    return status == 200 and urllib.parse.urlsplit(url).path != "/login"


@dataclass
class Form:
    action: str
    method: str
    fields: list[tuple[str, str, str]]  # (name, type, default value)

    def values(self) -> dict[str, str]:
        return {name: value for name, _type, value in self.fields}


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = Form(a.get("action", ""), a.get("method", "get").lower(), [])
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                if not any(name == a["name"] for name, _, _ in self._form.fields):
                    self._form.fields.append((a["name"], kind, ""))
                return
            self._form.fields = [f for f in self._form.fields if f[0] != a["name"]]
            self._form.fields.append(
                (a["name"], kind, a.get("value", "y" if kind in ("checkbox", "radio") else ""))
            )
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
            self._form.fields.append((a["name"], "select", ""))
        elif tag == "option" and self._select:
            fields = self._form.fields
            name, kind, value = fields[-1]
            if not value or "selected" in a:
                fields[-1] = (name, kind, a.get("value", ""))
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea and self._form is not None:
            self._form.fields.append((self._textarea, "textarea", "".join(self._text)))
            self._textarea = None


def forms(page: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(page)
    return parser.forms


def find_form(page: str, action_pattern: str, page_path: str = "") -> Form | None:
    """The first form whose action path matches ``action_pattern`` (a regular expression);
    a form without an action posts to its own page, ``page_path``."""
    for form in forms(page):
        path = urllib.parse.urlsplit(form.action).path or page_path.split("?", 1)[0]
        if re.fullmatch(action_pattern, path):
            form.action = path
            return form
    return None
