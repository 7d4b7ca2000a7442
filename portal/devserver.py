"""``make run``: the development web server and a background worker, started and stopped together.

Ctrl-C (or either process dying) stops both, so no orphan worker keeps sending mail.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", default="5000")
    parser.add_argument("--no-worker", action="store_true")
    args = parser.parse_args()

    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    processes = [
        subprocess.Popen([*flask, "run", "--host", args.host, "--port", str(args.port)], env=env)
    ]
    if not args.no_worker:
        processes.append(subprocess.Popen([*flask, "worker"], env=env))

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
