"""The action server: rasa-sdk's app in one process, answering only the Rasa server.

``python -m actions.server --port 5055`` (``scripts/stack.py`` starts it). Compared with ``python -m rasa_sdk``:
it binds 127.0.0.1 unless told otherwise, it runs in a single process (no worker left holding the port when the
main process dies), it has no CORS (no browser should call it), and every call but ``/health`` must carry the
internal bearer token that Rasa sends (``endpoints.yml``).
"""

from __future__ import annotations

import argparse
import hmac
import logging

from rasa_sdk.endpoint import create_app
from rasa_sdk.executor import ActionExecutor
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from backoffice.config import LOOPBACK, get_settings

logger = logging.getLogger(__name__)
OPEN_PATHS = ("/health",)


def build_app(token: str) -> Sanic:
    """rasa-sdk's app for the ``actions`` package, refusing calls without ``Bearer <token>``."""
    executor = ActionExecutor()
    executor.register_package("actions")
    app = create_app(executor, cors_origins=None)
    expected = f"Bearer {token}".encode()

    @app.on_request
    async def _require_token(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS:
            return None
        if hmac.compare_digest((request.headers.get("authorization") or "").encode(), expected):
            return None
        logger.warning("refused a call to %s from %s without the internal token", request.path, request.ip)
        return response.json({"error": "missing or wrong token"}, status=401)

    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Shopdesk's action server")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (loopback unless you mean it)")
    parser.add_argument("--port", type=int, default=5055)
    args = parser.parse_args(argv)
    if args.host not in LOOPBACK:
        logger.warning("the action server listens on %s: keep that network private", args.host)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = build_app(get_settings().internal_token)
    app.run(host=args.host, port=args.port, single_process=True, access_log=False, motd=False)


if __name__ == "__main__":
    main()
