"""Findings of both tools, their severities, and the Markdown summary (pure functions)."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

SEVERITIES = ("high", "medium", "low", "info")
# wapiti 3.0.4 (wapitiCore/language/vulnerability.py): 4 critical, 3 high, 2 medium, 1 low,
# 0 informational. Critical counts as high here.
WAPITI_LEVELS = {4: "high", 3: "high", 2: "medium", 1: "low", 0: "info"}


@dataclass(frozen=True)
class Finding:
    tool: str
    database: str
    role: str
    severity: str
    category: str
    where: str  # METHOD path (parameter)
    info: str = ""


@dataclass
class Run:
    """One tool run for one role on one database: what it sent and what it found."""

    tool: str
    database: str
    role: str
    target: str
    requests: int = 0
    server_errors: int = 0
    seconds: float = 0.0
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def wapiti_findings(report: dict[str, Any], database: str, role: str) -> list[Finding]:
    """Findings from a wapiti JSON report: ``vulnerabilities`` and ``anomalies`` (500s,
    timeouts); ``additionals`` are fingerprints and stay informational."""
    found = []
    for section, floor in (("vulnerabilities", None), ("anomalies", None), ("additionals", 0)):
        for category, entries in (report.get(section) or {}).items():
            for entry in entries:
                level = int(entry.get("level") or 0) if floor is None else floor
                where = f"{entry.get('method', '')} {entry.get('path', '')}"
                if entry.get("parameter"):
                    where += f" ({entry['parameter']})"
                found.append(
                    Finding(
                        "wapiti",
                        database,
                        role,
                        WAPITI_LEVELS.get(level, "info"),
                        category,
                        where,
                        " ".join(str(entry.get("info", "")).split())[:200],
                    )
                )
    return found


def wapiti_report(text: str, database: str, role: str) -> list[Finding]:
    return wapiti_findings(json.loads(text), database, role)


_INJECTABLE = re.compile(
    r"(?:identified the following injection point|parameter '([^']+)' (?:is|appears to be) "
    r"'?[^']*'? ?injectable)",
    re.IGNORECASE,
)
_PARAMETER = re.compile(r"Parameter: (\S+) \((\w+)\)")
_HTTP_ERRORS = re.compile(r"HTTP error codes detected during run:\s*(.+)")


def sqlmap_findings(output: str, database: str, role: str, target: str) -> list[Finding]:
    """Findings from sqlmap's console output: an injection point is high; answers of 500
    (the input reached code that failed) are medium until explained."""
    found = []
    if _INJECTABLE.search(output):
        parameters = sorted({f"{m.group(2)} {m.group(1)}" for m in _PARAMETER.finditer(output)})
        found.append(
            Finding(
                "sqlmap",
                database,
                role,
                "high",
                "SQL injection",
                f"{target} ({', '.join(parameters) or 'see log'})",
            )
        )
    errors = _HTTP_ERRORS.search(output)
    if errors and re.search(r"\b5\d\d\b", errors.group(1)):
        found.append(
            Finding(
                "sqlmap",
                database,
                role,
                "medium",
                "HTTP 5xx under injection payloads",
                target,
                errors.group(1).strip(),
            )
        )
    return found


def access_statuses(lines: list[str]) -> Counter[int]:
    """Status codes of gunicorn access log lines (default format: status after the request)."""
    statuses: Counter[int] = Counter()
    for line in lines:
        found = re.search(r'" (\d{3}) ', line)
        if found:
            statuses[int(found.group(1))] += 1
    return statuses


def failing(runs: list[Run]) -> list[Finding]:
    return [f for run in runs for f in run.findings if f.severity in ("high", "medium")]


def summary(runs: list[Run]) -> str:
    """The Markdown summary the harness prints."""
    lines = [
        "| database | role | tool | target | requests | 5xx | seconds "
        "| high | medium | low | info |",
        "|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        counts = Counter(f.severity for f in run.findings)
        lines.append(
            f"| {run.database} | {run.role} | {run.tool} | {run.target} | {run.requests} | "
            f"{run.server_errors} | {run.seconds:.0f} | "
            + " | ".join(str(counts.get(s, 0)) for s in SEVERITIES)
            + " |"
        )
    totals: Counter[str] = Counter(f.severity for run in runs for f in run.findings)
    lines += [
        "",
        f"Requests: {sum(r.requests for r in runs)}; answers 5xx: "
        f"{sum(r.server_errors for r in runs)}; findings: "
        + ", ".join(f"{s} {totals.get(s, 0)}" for s in SEVERITIES)
        + ".",
    ]
    details = [f for run in runs for f in run.findings if f.severity != "info"]
    if details:
        lines += ["", "| severity | database | role | tool | category | where | info |"]
        lines.append("|---|---|---|---|---|---|---|")
        for f in sorted(details, key=lambda f: (SEVERITIES.index(f.severity), f.category)):
            info, where = (text.replace("|", "\\|") for text in (f.info, f.where))
            lines.append(
                f"| {f.severity} | {f.database} | {f.role} | {f.tool} | {f.category} | "
                f"{where} | {info} |"
            )
    notes = [f"{r.database}/{r.role}/{r.tool} {r.target}: {n}" for r in runs for n in r.notes]
    if notes:
        lines += ["", "Notes:", *[f"- {n}" for n in notes]]
    return "\n".join(lines)
