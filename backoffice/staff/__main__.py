"""Manage console accounts: ``python -m backoffice.staff create --username sam --role agent``.

The password is asked for twice at the prompt, or read from standard input with ``--password-stdin``
(for scripts); it is never taken from the command line, where other users could read it.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import UTC, datetime

from backoffice.config import get_settings
from backoffice.db import make_engine, session_factory, session_scope
from backoffice.migrate import upgrade
from backoffice.models import StaffRole
from backoffice.staff.accounts import StaffError, create_staff, list_staff, set_active, set_password


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Repeat password: ") != first:
        raise StaffError("the two passwords differ")
    return first


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m backoffice.staff", description=__doc__)
    parser.add_argument("--database-url", help="default: DATABASE_URL / the demo SQLite file")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create", help="add a staff member")
    create.add_argument("--username", required=True)
    create.add_argument("--name", dest="display_name", default="", help="name shown to customers")
    create.add_argument("--role", required=True, choices=[r.value for r in StaffRole])
    create.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    password = commands.add_parser("set-password", help="give a staff member a new password")
    password.add_argument("--username", required=True)
    password.add_argument("--password-stdin", action="store_true")
    for name, text in (("disable", "stop an account from logging in"), ("enable", "allow an account again")):
        commands.add_parser(name, help=text).add_argument("--username", required=True)
    commands.add_parser("list", help="show the staff accounts")
    args = parser.parse_args(argv)

    url = args.database_url or get_settings().database_url
    upgrade(url)
    engine = make_engine(url)
    try:
        with session_scope(session_factory(engine)) as session:
            now = datetime.now(UTC).replace(tzinfo=None)
            if args.command == "create":
                member = create_staff(session, username=args.username, display_name=args.display_name,
                                      role=args.role, password=_password(args), now=now)
                print(f"created {member.role} {member.username} ({member.display_name})")
            elif args.command == "set-password":
                member = set_password(session, username=args.username, password=_password(args))
                print(f"new password set for {member.username}; their log-ins were ended")
            elif args.command in ("disable", "enable"):
                member = set_active(session, username=args.username, active=args.command == "enable")
                print(f"{member.username} is now {'enabled' if member.active else 'disabled'}")
            else:
                for member in list_staff(session, active_only=False):
                    state = "" if member.active else " (disabled)"
                    print(f"{member.username:20} {member.role:9} {member.display_name}{state}")
    except StaffError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
