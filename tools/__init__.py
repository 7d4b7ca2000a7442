"""Developer tools that are not part of the app (``python -m tools.scan``)."""
