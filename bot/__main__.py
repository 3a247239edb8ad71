"""``python -m bot``: serve the web front with uvicorn on ``settings.web_host:web_port``."""

from __future__ import annotations

import logging

import uvicorn

from backoffice.config import get_settings
from bot.app import create_app


def main() -> None:
    """Run the web front until interrupted."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = get_settings()
    uvicorn.run(create_app(settings), host=settings.web_host, port=settings.web_port, proxy_headers=False)


if __name__ == "__main__":
    main()
