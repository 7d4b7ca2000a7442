"""Security scan harness: wapiti and sqlmap against the portal under gunicorn.

``python -m tools.scan --database sqlite --database postgresql`` (or ``make scan``) builds a
scratch database (migrations and demo data; on PostgreSQL a schema of its own, dropped
afterwards), serves the app with gunicorn under ``deploy/gunicorn.conf.py`` and the production
settings over TLS on loopback (a throw-away self-signed certificate, so the production
``Secure`` cookies are sent as a browser would send them), signs in as each role through the
real login form, and runs wapiti (crawl and attack) and sqlmap (every form that matters).
It prints a Markdown summary and exits 1 on any high or medium finding. See the "Scans"
section of docs/security.md.
"""
