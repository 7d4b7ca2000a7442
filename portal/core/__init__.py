"""The core every feature builds on, below the web layer: the rules for text and time, the
practice's details, the audit log, the versions that invalidate cached parts, signals between
features, database set-up and backups, and the task registry.

Nothing here handles a request or renders a page; everything here may be used by a worker.
"""
