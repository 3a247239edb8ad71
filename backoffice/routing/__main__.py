"""``python -m backoffice.routing``: see :mod:`backoffice.routing.cli`."""

from backoffice.routing.cli import main

raise SystemExit(main())
