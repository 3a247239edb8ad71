"""``python -m backoffice.fraud``: see ``backoffice.fraud.cli``."""

from backoffice.fraud.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
