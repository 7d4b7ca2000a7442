"""The app the benchmark's worker runs: the real one, plus the benchmark's email template.

``flask --app bench.app worker`` is the shipped worker command and settings; only the
template folder is extended, so the campaign template need not live among the site's.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from jinja2 import ChoiceLoader, FileSystemLoader

from portal import create_app

TEMPLATES = Path(__file__).resolve().parent / "templates"


def with_bench_templates(app: Flask) -> Flask:
    app.jinja_env.loader = ChoiceLoader([FileSystemLoader(str(TEMPLATES)), app.jinja_env.loader])
    return app


app = with_bench_templates(create_app())
