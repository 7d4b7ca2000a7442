"""A real SMTP server on loopback that only counts what it accepts, per recipient.

``python -m bench.smtp_counter PORT_FILE COUNTS_FILE`` listens on a free loopback port
(written to ``PORT_FILE`` once it listens) and, when it receives SIGTERM or SIGINT, writes
``{"messages": N, "recipients": {address: copies}}`` to ``COUNTS_FILE`` and exits.

It runs in a process of its own so that the benchmarks' own work never slows it down, and
its handler does nothing but count (no parsing, no storing): the scale-out run sends tens
of thousands of messages through it. It advertises PIPELINING (RFC 2920), as Postfix and
Exim do, so the pipeline uses the path it uses in production.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from collections import Counter
from pathlib import Path

from aiosmtpd.smtp import SMTP


class CountingHandler:
    def __init__(self) -> None:
        self.messages = 0
        self.per_recipient: Counter[str] = Counter()

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: N802
        session.host_name = hostname
        responses.insert(-1, "250-PIPELINING")
        return responses

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.messages += 1
        for recipient in envelope.rcpt_tos:
            self.per_recipient[recipient.lower()] += 1
        return "250 Message accepted for delivery"


async def serve(port_file: Path, counts_file: Path) -> None:
    handler = CountingHandler()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="sink.localhost", enable_SMTPUTF8=True),
        host="127.0.0.1",
        port=0,
    )
    stopped = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopped.set)
    port = server.sockets[0].getsockname()[1]
    port_file.write_text(str(port))
    await stopped.wait()
    server.close()
    counts = {"messages": handler.messages, "recipients": dict(handler.per_recipient)}
    partial = counts_file.with_suffix(".partial")
    partial.write_text(json.dumps(counts))
    partial.rename(counts_file)  # the reader never sees half a file


if __name__ == "__main__":
    asyncio.run(serve(Path(sys.argv[1]), Path(sys.argv[2])))
