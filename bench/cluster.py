"""A deployment on loopback for ``make scale`` and ``make load`` (``bench/scaleout.py``,
``bench/load.py``): PostgreSQL, Redis, gunicorn, ``flask worker`` and an SMTP server.

Everything runs as it does in production (``PORTAL_CONFIG=production``, the repository's
``deploy/gunicorn.conf.py``, the shipped ``flask worker``), on this machine only:

- the database is a schema of its own in ``BENCH_DATABASE_URL`` (default: the local test
  server), created by ``flask db upgrade`` and dropped afterwards, like the test suite's;
- the task queue is a Huey queue of its own name in ``REDIS_URL`` (default: the local Redis),
  flushed afterwards together with the mail schedule kept beside it;
- mail goes to ``bench/smtp_counter.py``, a real SMTP server that counts copies per recipient;
- every process is started in a process group of its own, and every group is ended when the
  deployment closes, whatever happened (logs are kept in the work folder when a run fails).

Rate-limit counters live in the same Redis under Flask-Limiter's own keys; they expire with
their windows and are not removed.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from bench.measure import free_port, process_tree

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
SECRET_KEY = "benchmark-only-secret-key-not-for-any-real-site-0123456789"  # noqa: S105
# Every seeded account's password (the accounts exist only in the benchmark's schema).
PASSWORD = "bench-load-password-7f3a"  # noqa: S105


TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by ``pid`` and the processes below it."""
    total = 0
    for member in process_tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS


def machine_cpu() -> tuple[float, float]:
    """(busy, all) CPU seconds of the whole machine since boot, every core added up."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:8]) - idle) / TICKS, sum(fields[:8]) / TICKS


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path
    stop_signal: int = signal.SIGTERM

    @property
    def alive(self) -> bool:
        return self.popen.poll() is None

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


@dataclass
class Deployment:
    """``with Deployment("scale", {...}) as deployment:`` — see the module's docstring.

    ``settings`` are extra environment variables for every process of the app (web and
    workers), on top of the production settings made here.
    """

    label: str
    settings: dict[str, str] = field(default_factory=dict)
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:10])
    processes: list[Process] = field(default_factory=list)

    def __post_init__(self) -> None:
        base = (
            os.environ.get("BENCH_DATABASE_URL")
            or os.environ.get("TEST_DATABASE_URL")
            or DEFAULT_DATABASE_URL
        )
        if not base.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
            raise SystemExit(f"{self.label}: needs PostgreSQL (BENCH_DATABASE_URL), not {base}")
        self.database_base = base
        self.redis_url = os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
        self.schema = f"{self.label}_{self.run_id}"
        self.huey_name = f"{self.label}-{self.run_id}"
        separator = "&" if "?" in base else "?"
        # The application name marks this deployment's PostgreSQL backends (their CPU time).
        self.database_url = (
            f"{base}{separator}options=-csearch_path%3D{self.schema}&application_name={self.schema}"
        )
        self.workdir = Path(tempfile.mkdtemp(prefix=f"{self.label}-"))
        self.engine: sa.Engine | None = None
        self.smtp: Process | None = None
        self.smtp_port = 0
        self.env: dict[str, str] = {}

    # --- set up and tear down ----------------------------------------------------------

    def __enter__(self) -> Deployment:
        try:
            from config import normalise_database_url

            admin = sa.create_engine(
                normalise_database_url(self.database_base), isolation_level="AUTOCOMMIT"
            )
            with admin.connect() as connection:
                connection.execute(sa.text(f'CREATE SCHEMA "{self.schema}"'))
            admin.dispose()
            self._start_smtp_counter()
            self.env = self._environment()
            self.flask("db", "upgrade")
            self.engine = sa.create_engine(normalise_database_url(self.database_url))
        except BaseException:
            self.close(failed=True)
            raise
        return self

    def __exit__(self, kind, value, traceback) -> None:  # type: ignore[no-untyped-def]
        self.close(failed=kind is not None)

    def close(self, failed: bool = False) -> None:
        """End every process group, drop the schema, flush the queue; keep logs on failure."""
        for process in reversed(self.processes):
            self.stop(process)
        if self.engine is not None:
            self.engine.dispose()
        from config import normalise_database_url

        admin = sa.create_engine(
            normalise_database_url(self.database_base), isolation_level="AUTOCOMMIT"
        )
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE'))
        admin.dispose()
        from huey import RedisHuey

        huey = RedisHuey(self.huey_name, url=self.redis_url)
        huey.flush()
        huey.storage.conn.delete(f"{self.huey_name}:mail:next-slot")  # the shared mail schedule
        if failed:
            print(f"{self.label}: logs kept in {self.workdir}", file=sys.stderr)
        else:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def _environment(self) -> dict[str, str]:
        # Nothing from the caller's environment that would change what is measured.
        dropped = ("TEST_DATABASE_URL", "PORTAL_CONFIG", "MAIL_RATE_PER_SECOND", "HUEY_IMMEDIATE")
        env = {key: value for key, value in os.environ.items() if key not in dropped}
        env.update(
            {
                "PORTAL_CONFIG": "production",
                "SECRET_KEY": SECRET_KEY,
                "DATABASE_URL": self.database_url,
                "REDIS_URL": self.redis_url,
                "HUEY_NAME": self.huey_name,
                "MAIL_SERVER": "127.0.0.1",
                "MAIL_PORT": str(self.smtp_port),
                "PORTAL_BASE_URL": "https://portal.bench.example",
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(self.settings)
        return env

    # --- processes -------------------------------------------------------------------

    def spawn(
        self, name: str, command: Sequence[str], env: dict[str, str], stop_signal: int
    ) -> Process:
        log_path = self.workdir / f"{name}.log"
        with log_path.open("ab") as log:
            popen = subprocess.Popen(
                list(command),
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, ended as a whole
            )
        process = Process(name, popen, log_path, stop_signal)
        self.processes.append(process)
        return process

    def _start_smtp_counter(self) -> None:
        port_file = self.workdir / "smtp.port"
        self.smtp = self.spawn(
            "smtp",
            [sys.executable, "-m", "bench.smtp_counter", str(port_file), str(self.counts_file)],
            dict(os.environ),
            signal.SIGTERM,
        )
        deadline = time.monotonic() + 30
        while not port_file.exists() or not port_file.read_text():
            if not self.smtp.alive or time.monotonic() > deadline:
                raise RuntimeError(f"the SMTP server did not start:\n{self.smtp.log_tail()}")
            time.sleep(0.05)
        self.smtp_port = int(port_file.read_text())

    @property
    def counts_file(self) -> Path:
        return self.workdir / "smtp-counts.json"

    def flask(self, *arguments: str) -> str:
        """Run ``flask --app wsgi …`` to completion with the deployment's settings."""
        done = subprocess.run(
            [str(BIN / "flask"), "--app", "wsgi", *arguments],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if done.returncode != 0:
            raise RuntimeError(f"flask {' '.join(arguments)} failed:\n{done.stderr}")
        return done.stdout

    def start_web(self, name: str, workers: int | None = None) -> tuple[Process, str]:
        """``gunicorn -c deploy/gunicorn.conf.py wsgi:app`` on a free port; returns its URL."""
        port = free_port()
        env = {**self.env, "GUNICORN_BIND": f"127.0.0.1:{port}"}
        if workers:
            env["GUNICORN_WORKERS"] = str(workers)
        command = [str(BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "wsgi:app"]
        process = self.spawn(name, command, env, signal.SIGTERM)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=2) as answer:  # noqa: S310
                    if answer.status == 200:
                        return process, url
            except OSError:
                pass
            if not process.alive or time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not start:\n{process.log_tail()}")
            time.sleep(0.2)

    def start_worker(self, name: str, *arguments: str) -> Process:
        """``flask --app wsgi worker`` (a worker host's worth); returns once it listens."""
        command = [str(BIN / "flask"), "--app", "wsgi", "worker", *arguments]
        process = self.spawn(name, command, self.env, signal.SIGINT)
        deadline = time.monotonic() + 60
        while b"consumer started" not in process.log.read_bytes():
            if not process.alive or time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not start:\n{process.log_tail()}")
            time.sleep(0.1)
        return process

    def kill(self, process: Process) -> list[int]:
        """``kill -9`` the process's whole group at once; returns the pids it had."""
        pids = process_tree(process.popen.pid)
        os.killpg(process.popen.pid, signal.SIGKILL)
        process.popen.wait(timeout=30)
        return pids

    def stop(self, process: Process, timeout: float = 40) -> None:
        """Stop gracefully (SIGINT for workers, SIGTERM otherwise), then end the group."""
        if process.alive:
            with suppress(ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(process.popen.pid, process.stop_signal)
                process.popen.wait(timeout=timeout)
        with suppress(ProcessLookupError):  # children left behind by a parent that died go too
            os.killpg(process.popen.pid, signal.SIGKILL)
        if process.popen.poll() is None:
            process.popen.wait(timeout=10)

    def smtp_counts(self) -> dict[str, object]:
        """Stop the SMTP server and read what it counted."""
        assert self.smtp is not None
        self.stop(self.smtp)
        return json.loads(self.counts_file.read_text())

    # --- the database -------------------------------------------------------------------

    def execute(self, statement: str, **parameters: object) -> None:
        assert self.engine is not None
        with self.engine.begin() as conn:
            conn.execute(sa.text(statement), parameters)

    def scalar(self, statement: str, **parameters: object) -> object:
        assert self.engine is not None
        with self.engine.connect() as conn:
            return conn.execute(sa.text(statement), parameters).scalar()

    def postgres_cpu(self) -> dict[int, float]:
        """CPU seconds used so far by each PostgreSQL backend serving this deployment
        (the server runs on this machine: its processes are read from /proc)."""
        pids = self.rows(
            "SELECT pid FROM pg_stat_activity WHERE application_name = :name "
            "AND pid <> pg_backend_pid()",
            name=self.schema,
        )
        return {pid: cpu_seconds(pid) for (pid,) in pids}

    def rows(self, statement: str, **parameters: object) -> list[sa.Row]:
        assert self.engine is not None
        with self.engine.connect() as conn:
            return list(conn.execute(sa.text(statement), parameters))


# --- seeding, set-based ----------------------------------------------------------------------


def password_hash() -> str:
    """One argon2 hash of ``PASSWORD`` for every seeded account (hashing costs ~50 ms each)."""
    from portal.auth.passwords import hash_password

    return hash_password(PASSWORD)


def seed_users(deployment: Deployment, *, role: str, prefix: str, count: int) -> None:
    """``count`` confirmed accounts ``<prefix>1@example.com``… with ``PASSWORD``."""
    deployment.execute(
        """
        INSERT INTO users (email, name, role, password_hash, session_token,
                           email_confirmed_at, created_at, is_active_account)
        SELECT :prefix || n || '@example.com', initcap(:prefix) || ' ' || n, :role, :hash,
               md5(random()::text || clock_timestamp()::text || n), now(), now(), true
        FROM generate_series(1, :count) AS n
        """,
        prefix=prefix,
        role=role,
        hash=password_hash(),
        count=count,
    )


def seed_records(
    deployment: Deployment, *, prefix: str, sessions: int, recommendations: int
) -> None:
    """Sessions (with areas) and open recommendations for every account named ``prefix…``,
    recorded by the first staff member."""
    clients = "SELECT id FROM users WHERE email LIKE :pattern"
    pattern = f"{prefix}%@example.com"
    deployment.execute(
        f"""
        INSERT INTO massage_sessions (client_id, therapist_id, held_on, duration_minutes,
               modality, pressure, soreness_before, soreness_after, client_notes,
               private_notes, created_at, updated_at)
        SELECT c.id, (SELECT min(id) FROM users WHERE role = 'staff'),
               current_date - n * 9, 60, 'sports', 'medium', 2 + n % 7, n % 3,
               'Easy week after the long run; calves tight on the left.', '', now(), now()
        FROM ({clients}) AS c CROSS JOIN generate_series(1, :sessions) AS n
        """,
        pattern=pattern,
        sessions=sessions,
    )
    deployment.execute(
        f"""
        INSERT INTO session_areas (session_id, area)
        SELECT s.id, a.area FROM massage_sessions s
        CROSS JOIN (VALUES ('calves'), ('hamstrings')) AS a(area)
        WHERE s.client_id IN ({clients})
        """,
        pattern=pattern,
    )
    deployment.execute(
        f"""
        INSERT INTO recommendations (client_id, created_by_id, title, details, created_at,
                                     updated_at)
        SELECT c.id, (SELECT min(id) FROM users WHERE role = 'staff'),
               'Calf stretch routine ' || n, 'Twice a day, thirty seconds each side.',
               now(), now()
        FROM ({clients}) AS c CROSS JOIN generate_series(1, :recommendations) AS n
        """,
        pattern=pattern,
        recommendations=recommendations,
    )


# --- a browser-like HTTP client (for signing in before the load starts) ----------------------


class LoopbackCookiePolicy(http.cookiejar.DefaultCookiePolicy):
    """Production cookies are ``Secure``: TLS ends at the proxy, and gunicorn is spoken to in
    plain HTTP behind it. The benchmarks talk to gunicorn directly on loopback, as the proxy
    would, so they send those cookies over HTTP."""

    def return_ok_secure(self, cookie, request) -> bool:  # type: ignore[no-untyped-def]
        return True


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


@dataclass
class Answer:
    status: int
    text: str
    location: str | None


class Browser:
    """Cookies kept, redirects not followed (the caller looks at them)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.jar = http.cookiejar.CookieJar(policy=LoopbackCookiePolicy())
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )

    def request(self, path: str, data: dict[str, str] | None = None) -> Answer:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base_url + path, data=body, timeout=120) as answer:
                return Answer(answer.status, answer.read().decode(), None)
        except urllib.error.HTTPError as answer:  # 3xx (not followed), 4xx, 5xx
            return Answer(answer.code, answer.read().decode(), answer.headers.get("Location"))

    def csrf_token(self, path: str) -> str:
        page = self.request(path)
        found = re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', page.text)
        if not found:
            raise RuntimeError(f"no form on {path} ({page.status})")
        return found.group(1)

    def sign_in(self, email: str, password: str = PASSWORD) -> None:
        # An anonymous reader's login form carries no CSRF token (portal.cross_origin).
        answer = self.request("/login", {"email": email, "password": password})
        if answer.status != 302:
            raise RuntimeError(f"could not sign in as {email}: {answer.status}")

    def cookie_header(self) -> str:
        return "; ".join(f"{cookie.name}={cookie.value}" for cookie in self.jar)


# --- reporting ---------------------------------------------------------------------------------


def markdown_table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A Markdown table; columns whose header starts with a space are right-aligned."""
    lines = [
        "| " + " | ".join(header.strip() for header in headers) + " |",
        "|" + "|".join("---:" if header.startswith(" ") else "---" for header in headers) + "|",
    ]
    for row in rows:
        lines.append("| " + " | ".join(str(cell) for cell in row) + " |")
    return "\n".join(lines)
