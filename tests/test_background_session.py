"""The suite ends when started in the background without a terminal (``nohup make test &``,
a CI runner): every server a test starts is stopped by that test.

A shell without job control starts a background command with SIGINT and SIGQUIT ignored,
and the ignoring is inherited. A test server stopped with SIGINT then outlives its test,
keeps the browser driver's pipe open, and pytest waits for it forever after the last test.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

INNER_TESTS = """
import socket
import urllib.request
from pathlib import Path

PORT_FILE = Path(__file__).with_name("port")


def test_serves_the_app(live_url):
    assert urllib.request.urlopen(live_url + "/healthz", timeout=5).status == 200
    PORT_FILE.write_text(live_url.rsplit(":", 1)[1])


def test_the_previous_tests_server_is_gone():
    port = int(PORT_FILE.read_text())
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0, "the server outlived its test"
"""


def _session_members(session_id: int) -> list[int]:
    """Processes still in the session ``session_id`` (field 6 of /proc/PID/stat)."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == session_id and fields[0] != "Z":
            members.append(int(entry.name))
    return members


def test_a_session_started_in_the_background_stops_its_servers_and_ends(tmp_path):
    (tmp_path / "conftest.py").write_text('pytest_plugins = ["tests.conftest"]\n')
    (tmp_path / "test_inner.py").write_text(INNER_TESTS)
    pytest_command = [sys.executable, "-m", "pytest", "-c", str(ROOT / "pyproject.toml")]
    pytest_command += ["--rootdir", str(tmp_path), "-p", "no:cacheprovider", "-q"]
    pytest_command += [str(tmp_path / "test_inner.py")]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    log = tmp_path / "session.log"
    with log.open("wb") as output:
        # As `nohup make test &` from a script: a shell without job control, no terminal.
        shell = subprocess.Popen(
            ["bash", "-c", 'nohup "$@" < /dev/null & wait $!', "bash", *pytest_command],
            cwd=tmp_path,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            status = shell.wait(timeout=120)
        finally:
            left = _session_members(shell.pid)
            for pid in left:
                os.kill(pid, 9)
    text = log.read_text()
    assert status == 0, text
    assert "2 passed" in text
    assert left == [], f"processes left behind: {left}"
