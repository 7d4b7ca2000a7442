"""Benchmarks: ``make bench`` (pages, the mail pipeline, queueing a campaign), ``make scale``
and ``make load`` (scale-out and load on loopback); see ``bench/__main__.py``."""
