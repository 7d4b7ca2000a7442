"""Accounts: sign in and out, registration, invitations, password reset, account page."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from portal.auth import account, routes  # noqa: E402,F401
