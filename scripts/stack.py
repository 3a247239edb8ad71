"""Run the whole Shopdesk stack: the Rasa server, the action server and the web front.

``python scripts/stack.py`` (``make run``) starts the three processes, waits until each answers, prints the URL and
stays up until Ctrl-C / SIGTERM, then stops them all. Importable for tests and benchmarks::

    from scripts.stack import Stack, StackConfig, free_port

    with Stack(StackConfig(rasa_port=free_port(), action_port=free_port(), web_port=free_port())) as stack:
        httpx.post(stack.web_url + "/api/chat", json={"message": "hi"})

Each child writes to ``var/log/<name>.log``. The Rasa server runs without ``--enable-api`` (the REST channel does
not need it) and without ``--cors`` (browsers only talk to the web front); everything binds to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType, TracebackType
from typing import IO

import httpx

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
if str(ROOT) not in sys.path:  # `python scripts/stack.py` puts scripts/, not the project, on the path
    sys.path.insert(0, str(ROOT))

from backoffice.install_secret import derive, load_or_create  # noqa: E402


class StackError(RuntimeError):
    """A child process died or did not become ready in time."""


def free_port(host: str = HOST) -> int:
    """Return a TCP port that is free on ``host`` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_in_use(port: int, host: str = HOST) -> bool:
    """Tell whether something already listens on ``host:port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")
NOISE = ("DeprecationWarning", "MovedIn20Warning", "PyparsingDeprecationWarning", "declare_namespace")


def tail(path: Path, lines: int = 25) -> str:
    """Return the last ``lines`` lines of a log file, without library deprecation chatter (empty if no file)."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    kept: list[str] = []
    skipping = False
    for line in ANSI_ESCAPE.sub("", text).splitlines():
        if any(marker in line for marker in NOISE):
            skipping = True
            continue
        if skipping and (line.startswith((" ", "\t")) or not line.strip()):
            continue  # the source line or explanation printed under a warning
        skipping = False
        kept.append(line)
    return "\n".join(kept[-lines:])


@dataclass
class StackConfig:
    """Where things live and which ports to use. Defaults match ``backoffice.config.Settings``."""

    rasa_port: int = 5005
    action_port: int = 5055
    web_port: int = 8000
    host: str = HOST
    root: Path = ROOT
    model: Path | None = None
    log_dir: Path | None = None
    python: str = sys.executable
    rasa_bin: Path | None = None
    env: dict[str, str] = field(default_factory=dict)
    ready_timeout: float = 300.0  # used by ``with Stack(...)``; Rasa model loading takes ~30-60 s on 2 cores

    @property
    def rasa_url(self) -> str:
        return f"http://{self.host}:{self.rasa_port}"

    @property
    def action_url(self) -> str:
        return f"http://{self.host}:{self.action_port}"

    @property
    def web_url(self) -> str:
        return f"http://{self.host}:{self.web_port}"

    @property
    def logs(self) -> Path:
        return self.log_dir or self.root / "var" / "log"

    @property
    def model_path(self) -> Path:
        return self.model or self.root / "models"

    @property
    def rasa_executable(self) -> Path:
        configured = os.environ.get("SHOPDESK_RASA_BIN")
        return self.rasa_bin or (Path(configured) if configured else self.root / ".venv-rasa" / "bin" / "rasa")


@dataclass
class Child:
    """One managed process: how to start it and how to tell it is ready."""

    name: str
    command: list[str]
    ready: Callable[[httpx.Client], bool]
    port: int
    # After the probe succeeds: a reason the child is up but unusable (e.g. Rasa without a model), or None.
    problem: Callable[[Path], str | None] = lambda log_path: None
    process: subprocess.Popen[bytes] | None = None
    log: IO[bytes] | None = None
    log_path: Path = Path()


# Rasa 3.6 keeps serving when its model fails to load ("Agent loaded with no model"); these lines say so.
RASA_NO_MODEL_MARKERS = ("No valid model found", "Could not load model", "Agent loaded with no model")


def rasa_model_problem(log_path: Path) -> str | None:
    """Return the log line saying Rasa came up without a model, if there is one."""
    for line in tail(log_path, 400).splitlines():
        if any(marker in line for marker in RASA_NO_MODEL_MARKERS):
            return ANSI_ESCAPE.sub("", line).strip()
    return None


def _answers(url: str, *, params: dict[str, str] | None = None) -> Callable[[httpx.Client], bool]:
    def probe(client: httpx.Client) -> bool:
        try:
            return client.get(url, params=params).status_code == 200
        except httpx.HTTPError:
            return False

    return probe


class Stack:
    """The three Shopdesk processes. ``start()``, ``wait_ready()``, ``stop()``; or use it as a context manager."""

    def __init__(self, config: StackConfig | None = None) -> None:
        self.config = config or StackConfig()
        cfg = self.config
        self.children = [
            Child(
                name="rasa",
                command=[
                    str(cfg.rasa_executable),
                    "run",
                    "-i",
                    cfg.host,
                    "-p",
                    str(cfg.rasa_port),
                    "-m",
                    str(cfg.model_path),
                    "--endpoints",
                    str(cfg.root / "endpoints.yml"),
                    "--credentials",
                    str(cfg.root / "credentials.yml"),
                ],
                # Rasa loads the model before it opens its port; whether that worked is only in its log.
                ready=_answers(f"{cfg.rasa_url}/webhooks/shopdesk/"),
                port=cfg.rasa_port,
                problem=rasa_model_problem,
            ),
            Child(
                name="actions",
                command=[cfg.python, "-m", "actions.server", "--host", cfg.host, "--port", str(cfg.action_port)],
                ready=_answers(f"{cfg.action_url}/health"),
                port=cfg.action_port,
            ),
            Child(
                name="web",
                command=[cfg.python, "-m", "bot"],
                ready=_answers(f"{cfg.web_url}/healthz"),
                port=cfg.web_port,
            ),
        ]

    @property
    def web_url(self) -> str:
        return self.config.web_url

    def child_env(self) -> dict[str, str]:
        """Return the environment every child gets: ours, plus the ports and URLs of this stack."""
        cfg = self.config
        env = dict(os.environ)
        env.update(cfg.env)
        secret = env.get("SHOPDESK_SECRET_KEY") or load_or_create(cfg.root / "var" / "secret_key")
        env.update(
            {
                "SHOPDESK_RASA_URL": cfg.rasa_url,
                "SHOPDESK_ACTION_URL": cfg.action_url,
                "SHOPDESK_ACTION_WEBHOOK": f"{cfg.action_url}/webhook",
                "SHOPDESK_WEB_HOST": cfg.host,
                "SHOPDESK_WEB_PORT": str(cfg.web_port),
                "SANIC_HOST": cfg.host,  # rasa_sdk binds to SANIC_HOST (it has no --interface flag)
                "SHOPDESK_SECRET_KEY": secret,  # Rasa's channel reads it through credentials.yml
                "SHOPDESK_INTERNAL_TOKEN": derive(secret, "internal-token"),  # endpoints.yml: Rasa → actions
                "RASA_TELEMETRY_ENABLED": "false",
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(cfg.env)
        return env

    def _preflight(self) -> None:
        cfg = self.config
        if not cfg.rasa_executable.exists():
            raise StackError(f"Rasa is not installed at {cfg.rasa_executable} (create .venv-rasa first)")
        model = cfg.model_path
        if model.is_dir() and not any(model.glob("*.tar.gz")):
            raise StackError(f"no trained model in {model}/ (train one first, e.g. `make train`)")
        if not model.exists():
            raise StackError(f"model {model} does not exist (train one first, e.g. `make train`)")
        for name in ("endpoints.yml", "credentials.yml"):
            if not (cfg.root / name).exists():
                raise StackError(f"{cfg.root / name} is missing")
        for child in self.children:
            if port_in_use(child.port, cfg.host):
                raise StackError(f"port {child.port} for {child.name} is already in use (is Shopdesk running already?)")

    def start(self) -> None:
        """Start all children (their output goes to ``var/log/<name>.log``)."""
        self._preflight()
        self.config.logs.mkdir(parents=True, exist_ok=True)
        env = self.child_env()
        try:
            for child in self.children:
                child.log_path = self.config.logs / f"{child.name}.log"
                child.log = child.log_path.open("wb")
                child.process = subprocess.Popen(
                    child.command,
                    cwd=self.config.root,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=child.log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # own process group: we stop it (and its workers) ourselves
                )
        except BaseException:
            self.stop()
            raise

    def dead_child(self) -> Child | None:
        """Return the first child that has exited, if any."""
        for child in self.children:
            if child.process is not None and child.process.poll() is not None:
                return child
        return None

    def _died(self, child: Child) -> StackError:
        code = child.process.returncode if child.process else None
        return StackError(
            f"{child.name} exited with code {code}; see {child.log_path}\n--- last lines of {child.log_path} ---\n"
            f"{tail(child.log_path)}"
        )

    def wait_ready(self, timeout: float | None = None) -> None:
        """Block until every child answers; raise ``StackError`` naming the culprit if one dies or time runs out."""
        timeout = self.config.ready_timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        pending = list(self.children)
        with httpx.Client(timeout=2.0, trust_env=False) as client:
            while pending:
                dead = self.dead_child()
                if dead is not None:
                    raise self._died(dead)
                answered = [child for child in pending if child.ready(client)]
                for child in answered:
                    problem = child.problem(child.log_path)
                    if problem:
                        raise StackError(
                            f"{child.name} is up but unusable: {problem}\nsee {child.log_path}\n"
                            f"--- last lines of {child.log_path} ---\n{tail(child.log_path)}"
                        )
                pending = [child for child in pending if child not in answered]
                if not pending:
                    return
                if time.monotonic() > deadline:
                    names = ", ".join(f"{c.name} (log: {c.log_path})" for c in pending)
                    last = pending[0]
                    raise StackError(
                        f"not ready after {timeout:.0f}s: {names}\n--- last lines of {last.log_path} ---\n"
                        f"{tail(last.log_path)}"
                    )
                time.sleep(0.5)

    def stop(self, grace: float = 10.0) -> None:
        """Stop every child: SIGTERM to its process group, wait ``grace`` seconds, then SIGKILL."""
        running = [c for c in self.children if c.process is not None and c.process.poll() is None]
        for child in reversed(running):
            _signal_group(child, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for child in running:
            assert child.process is not None
            try:
                child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(child, signal.SIGKILL)
                child.process.wait(timeout=5)
        for child in self.children:
            # workers left behind in a group whose leader has exited
            if child.process is not None:
                _signal_group(child, signal.SIGKILL)
            if child.log is not None:
                child.log.close()
                child.log = None

    def __enter__(self) -> Stack:
        self.start()
        try:
            self.wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def _signal_group(child: Child, sig: signal.Signals) -> None:
    if child.process is None:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(child.process.pid, sig)


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """Stop on SIGTERM and on SIGINT, even when SIGINT was ignored by whoever started us in the background."""

    def handler(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rasa-port", type=int, default=5005)
    parser.add_argument("--action-port", type=int, default=5055)
    parser.add_argument("--web-port", type=int, default=int(os.environ.get("SHOPDESK_WEB_PORT", "8000")))
    parser.add_argument("--model", type=Path, default=None, help="model file or folder (default: models/)")
    parser.add_argument("--log-dir", type=Path, default=None, help="where the child logs go (default: var/log/)")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for all processes")
    parser.add_argument("--demo", action="store_true",
                        help="demo mode: sign in as any seeded customer, read the mail outbox on the page")
    args = parser.parse_args(argv)

    stack = Stack(
        StackConfig(
            rasa_port=args.rasa_port,
            action_port=args.action_port,
            web_port=args.web_port,
            model=args.model,
            log_dir=args.log_dir,
            env={"SHOPDESK_DEMO_MODE": "true"} if args.demo else {},
        )
    )
    with _sigterm_as_interrupt():
        try:
            print(f"Starting Rasa server, action server and web front (logs in {stack.config.logs}/) ...", flush=True)
            stack.start()
            stack.wait_ready(args.timeout)
            print(f"Shopdesk is running: {stack.web_url}  (Ctrl-C to stop)", flush=True)
            while (dead := stack.dead_child()) is None:
                time.sleep(1.0)
            print(f"error: {stack._died(dead)}", file=sys.stderr, flush=True)
            return 1
        except StackError as exc:
            print(f"error: {exc}", file=sys.stderr, flush=True)
            return 1
        except KeyboardInterrupt:
            print("\nStopping Shopdesk ...", flush=True)
            return 0
        finally:
            stack.stop()


if __name__ == "__main__":
    sys.exit(main())
