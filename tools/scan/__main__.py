"""``python -m tools.scan --database sqlite --database postgresql``: see ``tools/scan/__init__``."""

from __future__ import annotations

import argparse
import datetime as dt
import re
import secrets
import subprocess
import sys
import time
from pathlib import Path

from bench.measure import ROOT
from tools.scan.findings import Finding, Run, failing, summary
from tools.scan.server import (
    POSTGRES_URL,
    ROLES,
    Deployment,
    environment,
    gunicorn,
    prepare_database,
    scratch_database,
    sign_in,
)
from tools.scan.tools import SQLMAP_TARGETS, WAPITI_MODULES, run_sqlmap, run_wapiti


def token_leaks(deployment: Deployment, database: str) -> Run:
    """Probe requests carrying made-up tokens (path, query, Referer) must not reach any log
    line unredacted: gunicorn's access and error logs, and the app's own access log."""
    from portal import create_app
    from portal.web.token_links import token_route_prefixes

    create_app("testing")  # the blueprints register their token routes on import
    run = Run("log check", database, "anonymous", "tokens in logs")
    browser_probe = secrets.token_hex(12)
    probes = [f"{prefix}probe{browser_probe}" for prefix in sorted(token_route_prefixes())]
    probes.append(f"/portal/calendar.ics?token=probe{browser_probe}")
    from tools.scan.server import Browser

    browser = Browser(deployment.base)
    browser.opener.addheaders = [("Referer", deployment.base + probes[0])]
    for path in probes:
        browser.get(path)
    time.sleep(1)
    for log in (deployment.access_log, deployment.server_log):
        text = log.read_text(errors="replace")
        if f"probe{browser_probe}" in text:
            line = next(line for line in text.splitlines() if browser_probe in line)
            run.findings.append(
                Finding("log check", database, "anonymous", "high", "token in log", log.name,
                        line[:200])
            )  # fmt: skip
        elif log is deployment.access_log and "[redacted]" not in text:
            run.notes.append("no redacted probe line in the access log: is it written at all?")
    run.requests = len(probes)
    return run


def scan_database(database: str, args: argparse.Namespace, output: Path) -> list[Run]:
    workdir = output / database
    workdir.mkdir(parents=True, exist_ok=True)
    runs: list[Run] = []
    with scratch_database(database, workdir, args.postgres_url) as url:
        env = environment(url, workdir)
        print(f"scan: {database}: migrating and loading demo data …", file=sys.stderr)
        prepare_database(env)
        with gunicorn(env, workdir) as deployment:
            for role in args.roles:
                browser = sign_in(deployment.base, role)
                if "sqlmap" in args.tools:
                    for target in SQLMAP_TARGETS:
                        if target.role != role or (
                            args.targets and target.name not in args.targets
                        ):
                            continue
                        print(f"scan: {database}/{role}: sqlmap {target.name} …", file=sys.stderr)
                        runs.append(
                            run_sqlmap(
                                deployment,
                                browser,
                                database,
                                target,
                                timeout=args.sqlmap_seconds,
                                thorough=not args.smart,
                            )
                        )
                if "wapiti" in args.tools:
                    print(f"scan: {database}/{role}: wapiti …", file=sys.stderr)
                    runs.append(
                        run_wapiti(
                            deployment,
                            browser,
                            database,
                            role,
                            scan_seconds=args.wapiti_scan_seconds,
                            attack_seconds=args.wapiti_attack_seconds,
                            modules=args.wapiti_modules,
                        )
                    )
            runs.append(token_leaks(deployment, database))
    return runs


def tool_versions() -> str:
    versions = []
    for command in (["/usr/bin/wapiti", "--version"], ["/usr/bin/sqlmap", "--version"]):
        out = subprocess.run(  # noqa: S603
            command, capture_output=True, text=True, timeout=60, check=False
        ).stdout
        found = re.findall(r"(?:Wapiti-|^)(\d+\.\d+[.\w#-]*)", out, re.MULTILINE)
        versions.append(f"{Path(command[0]).name} {found[-1] if found else '?'}")
    return ", ".join(versions)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.scan", description=__doc__)
    parser.add_argument(
        "--database", action="append", choices=("sqlite", "postgresql"), dest="databases"
    )
    parser.add_argument("--roles", default=",".join(ROLES), help="comma-separated")
    parser.add_argument("--tools", default="wapiti,sqlmap", help="comma-separated")
    parser.add_argument("--postgres-url", default=POSTGRES_URL)
    parser.add_argument("--wapiti-scan-seconds", type=float, default=45)
    parser.add_argument("--wapiti-attack-seconds", type=float, default=10)
    parser.add_argument("--sqlmap-seconds", type=float, default=150)
    parser.add_argument("--wapiti-modules", default=WAPITI_MODULES)
    parser.add_argument("--targets", default="", help="sqlmap targets by name, comma-separated")
    parser.add_argument(
        "--smart",
        action="store_true",
        help="sqlmap --smart: only parameters whose first answers look like a database error",
    )
    parser.add_argument("--output", type=Path, default=ROOT / "instance" / "scan")
    args = parser.parse_args(argv)
    args.databases = args.databases or ["sqlite"]
    args.roles = [role for role in args.roles.split(",") if role]
    args.tools = set(args.tools.split(","))
    args.targets = {name for name in args.targets.split(",") if name}
    unknown = set(args.roles) - set(ROLES)
    if unknown:
        parser.error(f"unknown roles: {', '.join(sorted(unknown))}")
    started = dt.datetime.now(dt.UTC)
    # Absolute: Flask-SQLAlchemy reads a relative SQLite path from the instance folder.
    output = args.output.resolve() / started.strftime("%Y%m%dT%H%M%S")
    runs: list[Run] = []
    for database in args.databases:
        runs += scan_database(database, args, output)
    minutes = (dt.datetime.now(dt.UTC) - started).total_seconds() / 60
    text = (
        f"# Scan {started:%Y-%m-%d %H:%M} UTC, {minutes:.0f} min: {tool_versions()}; "
        f"databases {', '.join(args.databases)}; roles {', '.join(args.roles)}\n\n" + summary(runs)
    )
    (output / "summary.md").write_text(text + "\n")
    print(text)
    print(f"\nreports: {output}", file=sys.stderr)
    return 1 if failing(runs) else 0


if __name__ == "__main__":
    raise SystemExit(main())
