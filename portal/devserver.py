"""``make run``: the development web server and a background worker, started and stopped together.

Ctrl-C (or either process dying) stops both, so no orphan worker keeps sending mail. Both get
the same environment, with ``PORTAL_BASE_URL`` pointing at the port served (unless the
operator set one), so the links the site and the worker build (emails, the calendar address)
lead back to this server.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping

from config import DEV_HOST, DEV_PORT, local_base_url


def child_environment(host: str, port: int | str, environ: Mapping[str, str]) -> dict[str, str]:
    """The environment of the web server and the worker: ``environ`` plus what they share."""
    env = {**environ, "PYTHONUNBUFFERED": "1"}
    if not env.get("PORTAL_BASE_URL"):
        env["PORTAL_BASE_URL"] = local_base_url(host, port)
    return env


def commands(host: str, port: int | str, *, worker: bool = True) -> list[list[str]]:
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    started = [[*flask, "run", "--host", host, "--port", str(port)]]
    if worker:
        started.append([*flask, "worker"])
    return started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default=DEV_HOST)
    parser.add_argument("--port", default=str(DEV_PORT))
    parser.add_argument("--no-worker", action="store_true")
    args = parser.parse_args()

    env = child_environment(args.host, args.port, os.environ)
    processes = [
        subprocess.Popen(argv, env=env)
        for argv in commands(args.host, args.port, worker=not args.no_worker)
    ]

    def stop(*_: object) -> None:
        for process in processes:
            if process.poll() is None:
                process.terminate()

    signal.signal(signal.SIGTERM, stop)
    try:
        while all(process.poll() is None for process in processes):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        stop()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
