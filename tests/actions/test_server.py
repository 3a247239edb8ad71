"""The action server: one process on 127.0.0.1 that answers only calls carrying the internal token."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from backoffice.install_secret import derive

ROOT = Path(__file__).resolve().parents[2]
SECRET = "action-server-test-secret"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    port = _free_port()
    log = (tmp_path_factory.mktemp("actions") / "actions.log").open("wb")
    env = {**os.environ, "SHOPDESK_SECRET_KEY": SECRET, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen([sys.executable, "-m", "actions.server", "--port", str(port)], cwd=ROOT, env=env,
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health", timeout=1, trust_env=False).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.3)
    else:
        process.kill()
        pytest.fail("the action server did not start")
    yield process, url
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    log.close()


def test_calls_without_the_internal_token_are_refused(server: tuple[subprocess.Popen[bytes], str]) -> None:
    _, url = server
    body = {"next_action": "action_stock_report", "sender_id": "staff-1", "tracker": {}, "domain": {}}
    with httpx.Client(base_url=url, trust_env=False, timeout=10) as client:
        assert client.post("/webhook", json=body).status_code == 401
        assert client.post("/webhook", json=body, headers={"authorization": "Bearer wrong"}).status_code == 401
        assert client.get("/actions").status_code == 401
        listed = client.get("/actions", headers={"authorization": f"Bearer {derive(SECRET, 'internal-token')}"})
        assert listed.status_code == 200 and {"name": "action_stock_report"} in listed.json()


def test_it_listens_on_loopback_only(server: tuple[subprocess.Popen[bytes], str]) -> None:
    _, url = server
    port = int(url.rsplit(":", 1)[1])
    output = subprocess.run(["ss", "-ltnH", f"sport = :{port}"], capture_output=True, text=True).stdout
    assert output.strip() and all("127.0.0.1:" in line for line in output.strip().splitlines()), output


def test_killing_it_leaves_no_process_holding_the_port(server: tuple[subprocess.Popen[bytes], str]) -> None:
    process, url = server
    port = int(url.rsplit(":", 1)[1])
    process.send_signal(signal.SIGKILL)  # the main process only: a worker of its own would be orphaned
    process.wait(timeout=10)
    time.sleep(0.5)
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", port)) != 0, "something still listens on the action server's port"
