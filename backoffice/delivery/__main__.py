"""``python -m backoffice.delivery``: see ``backoffice.delivery.cli``."""

from backoffice.delivery.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
