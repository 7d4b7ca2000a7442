"""Signals other features listen to, so accounts never import their internals.

``account_deleted`` is sent (with the ``User``) inside the deleting transaction, before the
account is anonymised: the newsletter drops the subscription, the blog detaches comments.
``personal_data`` collects each feature's part of "download my data".
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

account_deleted = _signals.signal("account-deleted")
personal_data = _signals.signal("personal-data")
