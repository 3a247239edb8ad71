"""scripts/stack.py with stand-in children (tiny HTTP servers), so the lifecycle is tested without Rasa."""

from __future__ import annotations

import os
import signal
import socket
import sys
import time
from pathlib import Path

import pytest

from scripts.stack import (
    Child,
    Stack,
    StackConfig,
    StackError,
    _answers,
    _sigterm_as_interrupt,
    free_port,
    rasa_model_problem,
    tail,
)

SERVER = """
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.end_headers(); self.wfile.write(b"ok")
    def log_message(self, *a):
        pass
print("serving", flush=True)
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
"""


def _config(tmp_path: Path) -> StackConfig:
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "m.tar.gz").write_bytes(b"")
    (tmp_path / "endpoints.yml").write_text("")
    (tmp_path / "credentials.yml").write_text("rest:\n")
    return StackConfig(
        rasa_port=free_port(),
        action_port=free_port(),
        web_port=free_port(),
        root=tmp_path,
        log_dir=tmp_path / "logs",
        rasa_bin=Path(sys.executable),
    )


def _fake_stack(config: StackConfig, *, broken: str | None = None) -> Stack:
    stack = Stack(config)
    for child in stack.children:
        code = "import sys; print('boom', flush=True); sys.exit(3)" if child.name == broken else SERVER
        child.command = [sys.executable, "-c", code, str(child.port)]
        child.ready = _answers(f"http://127.0.0.1:{child.port}/")
    return stack


def test_start_ready_stop(tmp_path: Path) -> None:
    stack = _fake_stack(_config(tmp_path))
    with stack:
        assert stack.dead_child() is None
        processes = [child.process for child in stack.children]
    assert all(p is not None and p.poll() is not None for p in processes)
    assert "serving" in (tmp_path / "logs" / "web.log").read_text()


def test_child_env_carries_ports(tmp_path: Path) -> None:
    config = _config(tmp_path)
    env = Stack(config).child_env()
    assert env["SHOPDESK_RASA_URL"] == f"http://127.0.0.1:{config.rasa_port}"
    assert env["SHOPDESK_ACTION_WEBHOOK"] == f"http://127.0.0.1:{config.action_port}/webhook"
    assert env["SHOPDESK_WEB_PORT"] == str(config.web_port)
    assert env["SANIC_HOST"] == "127.0.0.1"


def test_dying_child_is_named_with_its_log(tmp_path: Path) -> None:
    stack = _fake_stack(_config(tmp_path), broken="actions")
    with pytest.raises(StackError) as caught:
        with stack:
            pass
    message = str(caught.value)
    assert "actions exited with code 3" in message
    assert "actions.log" in message and "boom" in message
    assert all(c.process is None or c.process.poll() is not None for c in stack.children)


def test_timeout_names_the_pending_child(tmp_path: Path) -> None:
    stack = _fake_stack(_config(tmp_path))
    web = stack.children[2]
    web.ready = lambda client: False
    stack.start()
    try:
        with pytest.raises(StackError, match=r"not ready after 1s: web"):
            stack.wait_ready(timeout=1.0)
    finally:
        stack.stop()


def test_rasa_without_model_is_reported(tmp_path: Path) -> None:
    stack = _fake_stack(_config(tmp_path))
    rasa: Child = stack.children[0]
    rasa.command = [
        sys.executable,
        "-c",
        "import sys; print('\\x1b[93mUserWarning: No valid model found at models!\\x1b[0m', flush=True);" + SERVER,
        str(rasa.port),
    ]
    with pytest.raises(StackError, match="rasa is up but unusable: UserWarning: No valid model found"):
        with stack:
            pass


def test_preflight_errors(tmp_path: Path) -> None:
    config = _config(tmp_path)
    (tmp_path / "models" / "m.tar.gz").unlink()
    with pytest.raises(StackError, match="no trained model"):
        Stack(config).start()
    (tmp_path / "models" / "m.tar.gz").write_bytes(b"")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", config.web_port))
        busy.listen()
        with pytest.raises(StackError, match=f"port {config.web_port} for web is already in use"):
            Stack(config).start()


def test_log_helpers(tmp_path: Path) -> None:
    log = tmp_path / "x.log"
    log.write_text(
        "start\n/x.py:1: DeprecationWarning: old\n  import old\nreal error\n"
        "2024 ERROR Could not load model due to boom.\n"
    )
    assert tail(log) == "start\nreal error\n2024 ERROR Could not load model due to boom."
    assert rasa_model_problem(log) == "2024 ERROR Could not load model due to boom."
    assert tail(tmp_path / "missing.log") == ""


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_and_sigterm_stop_the_launcher_even_if_sigint_was_ignored(sig: signal.Signals) -> None:
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # as for a job started in the background by a shell
    try:
        with pytest.raises(KeyboardInterrupt), _sigterm_as_interrupt():
            os.kill(os.getpid(), sig)
            time.sleep(5)
    finally:
        signal.signal(signal.SIGINT, previous)
