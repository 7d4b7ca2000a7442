"""The pure parts of the scan harness (tools/scan): reading the tools' reports."""

from __future__ import annotations

from tools.scan.findings import (
    Run,
    access_statuses,
    failing,
    sqlmap_findings,
    summary,
    wapiti_findings,
)
from tools.scan.server import find_form
from tools.scan.tools import fill

WAPITI = {
    "vulnerabilities": {
        "Cross Site Scripting": [
            {"method": "GET", "path": "/blog/", "level": 3, "parameter": "q", "info": "XSS"}
        ],
        "HTTP Secure Headers": [
            {"method": "GET", "path": "/", "level": 1, "info": "X-XSS-Protection is not set"}
        ],
    },
    "anomalies": {"Internal Server Error": [{"method": "POST", "path": "/x", "level": 2}]},
    "additionals": {"Fingerprint": [{"method": "GET", "path": "/", "level": 3}]},
}


def test_wapiti_levels_become_severities_and_additionals_stay_informational():
    found = wapiti_findings(WAPITI, "sqlite", "staff")
    by_category = {f.category: f for f in found}
    assert by_category["Cross Site Scripting"].severity == "high"
    assert by_category["Cross Site Scripting"].where == "GET /blog/ (q)"
    assert by_category["HTTP Secure Headers"].severity == "low"
    assert by_category["Internal Server Error"].severity == "medium"
    assert by_category["Fingerprint"].severity == "info"


def test_sqlmap_injection_is_high_and_500s_are_medium():
    output = (
        "sqlmap identified the following injection point(s) with a total of 40 HTTP(s) "
        "requests:\n---\nParameter: email (POST)\n    Type: boolean-based blind\n"
        "[WARNING] HTTP error codes detected during run:\n500 (Internal Server Error) - 3 times"
    )
    found = sqlmap_findings(output, "postgresql", "anonymous", "POST /login")
    assert [(f.severity, f.category) for f in found] == [
        ("high", "SQL injection"),
        ("medium", "HTTP 5xx under injection payloads"),
    ]
    assert "POST email" in found[0].where
    clean = "[ERROR] all tested parameters do not appear to be injectable.\n400 (Bad Request)"
    assert sqlmap_findings(clean, "sqlite", "anonymous", "POST /login") == []


def test_summary_counts_and_the_exit_decision():
    run = Run("wapiti", "sqlite", "staff", "crawl + attack", requests=10, server_errors=1)
    run.findings = wapiti_findings(WAPITI, "sqlite", "staff")
    text = summary([run])
    assert "| sqlite | staff | wapiti | crawl + attack | 10 | 1 |" in text
    assert "findings: high 1, medium 1, low 1, info 1." in text
    assert len(failing([run])) == 2
    quiet = Run("sqlmap", "sqlite", "admin", "practice settings")
    assert failing([quiet]) == []


def test_access_log_statuses():
    lines = [
        '127.0.0.1 - - [29/Nov/2026:16:00:00 +0000] "GET / HTTP/1.1" 200 10 "-" "x"',
        '127.0.0.1 - - [29/Nov/2026:16:00:00 +0000] "POST /login HTTP/1.1" 500 10 "-" "x"',
    ]
    assert access_statuses(lines) == {200: 1, 500: 1}


def test_forms_are_found_and_filled_for_sqlmap():
    page = (
        '<form method="post" novalidate><input type="hidden" name="csrf_token" value="t">'
        '<input type="email" name="email"><input name="website"><textarea name="body">\r\n'
        '</textarea><select name="kind"><option value="a">A</option>'
        '<option value="b" selected>B</option></select></form>'
    )
    form = find_form(page, "/blog/x/comments", "/blog/x/comments")
    assert form is not None and form.action == "/blog/x/comments"
    values = {name: fill(name, kind, value) for name, kind, value in form.fields}
    assert values == {
        "csrf_token": "t",
        "email": "scan@example.com",
        "website": "",  # the honeypot stays empty
        "kind": "b",
        "body": "scan text",
    }
