"""``python -m backoffice.routing``: see :mod:`backoffice.routing.cli`."""

from backoffice.routing.cli import main

if __name__ == "__main__":  # parallel searches start fresh interpreters that import this module again
    raise SystemExit(main())
