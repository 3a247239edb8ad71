"""Staff accounts: Argon2 passwords, log-ins stored as token hashes, and the ``python -m backoffice.staff`` CLI."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from backoffice.db import make_engine, session_factory
from backoffice.models import StaffMember, StaffSession
from backoffice.staff import (
    StaffError,
    create_staff,
    current_session,
    list_staff,
    log_in,
    log_out,
    set_active,
    set_password,
)
from backoffice.staff.__main__ import main
from backoffice.staff.accounts import SESSION_LIFETIME
from tests.factories import NOW

PASSWORD = "correct horse battery"


def make(session: Session, username: str = "sam", *, role: str = "agent", password: str = PASSWORD,
         display_name: str = "Sam Smith") -> StaffMember:
    member = create_staff(session, username=username, display_name=display_name, role=role, password=password,
                          now=NOW)
    session.commit()
    return member


def test_no_staff_account_exists_after_migrations(engine: Engine) -> None:
    with session_factory(engine)() as session:
        assert session.scalar(select(func.count()).select_from(StaffMember)) == 0
        assert session.scalar(select(func.count()).select_from(StaffSession)) == 0


def test_the_password_is_stored_only_as_an_argon2_hash(session: Session, sessions: sessionmaker[Session]) -> None:
    make(session)
    with sessions() as fresh:
        stored = fresh.scalars(select(StaffMember)).one()
        assert stored.password_hash.startswith("$argon2id$")
        assert PASSWORD not in stored.password_hash
        assert (stored.username, stored.display_name, stored.role, stored.active) == ("sam", "Sam Smith", "agent",
                                                                                         True)


def test_the_same_password_hashes_differently_for_two_people(session: Session) -> None:
    first, second = make(session, "sam"), make(session, "kim")
    assert first.password_hash != second.password_hash


def test_a_short_password_is_refused(session: Session) -> None:
    with pytest.raises(StaffError, match="12 characters"):
        create_staff(session, username="sam", display_name="Sam", role="agent", password="x" * 11, now=NOW)
    assert session.scalars(select(StaffMember)).all() == []


def test_a_duplicate_username_is_refused_whatever_its_case(session: Session) -> None:
    make(session, "sam")
    with pytest.raises(StaffError, match="already"):
        create_staff(session, username="  SAM ", display_name="Other Sam", role="admin", password=PASSWORD, now=NOW)


@pytest.mark.parametrize("username", ["", "sam smith", "sam<script>", "x" * 65])
def test_a_bad_username_is_refused(session: Session, username: str) -> None:
    with pytest.raises(StaffError):
        create_staff(session, username=username, display_name="Sam", role="agent", password=PASSWORD, now=NOW)


def test_an_unknown_role_is_refused(session: Session) -> None:
    with pytest.raises(StaffError, match="role"):
        create_staff(session, username="sam", display_name="Sam", role="superuser", password=PASSWORD, now=NOW)


def test_the_display_name_defaults_to_the_username(session: Session) -> None:
    assert make(session, "kim", display_name="   ").display_name == "kim"


def test_the_right_password_logs_in_and_the_token_is_stored_only_as_its_hash(
    session: Session, sessions: sessionmaker[Session]
) -> None:
    make(session)
    done = log_in(session, username="Sam", password=PASSWORD, now=NOW)
    session.commit()
    assert done is not None and done.staff.username == "sam"
    assert done.token and done.csrf_token and done.token != done.csrf_token
    with sessions() as fresh:
        stored = fresh.scalars(select(StaffSession)).one()
        assert stored.token_hash == hashlib.sha256(done.token.encode()).hexdigest()
        assert done.token not in (stored.token_hash, stored.csrf_token)
        assert stored.expires_at == NOW + SESSION_LIFETIME
        assert fresh.scalars(select(StaffMember)).one().last_login_at == NOW
        live = current_session(fresh, done.token, now=NOW + timedelta(minutes=5))
        assert live is not None and live.staff.username == "sam" and live.csrf_token == done.csrf_token


def test_the_stored_hash_itself_does_not_work_as_a_cookie(session: Session) -> None:
    make(session)
    done = log_in(session, username="sam", password=PASSWORD, now=NOW)
    assert done is not None
    stored = session.scalars(select(StaffSession)).one()
    assert current_session(session, stored.token_hash, now=NOW) is None


def test_wrong_password_unknown_user_and_disabled_account_all_fail_the_same_way(session: Session) -> None:
    make(session, "sam")
    make(session, "kim")
    set_active(session, username="kim", active=False)
    session.commit()
    results = [
        log_in(session, username="sam", password="not the password", now=NOW),
        log_in(session, username="nobody", password=PASSWORD, now=NOW),
        log_in(session, username="kim", password=PASSWORD, now=NOW),
    ]
    assert results == [None, None, None]
    assert session.scalars(select(StaffSession)).all() == []


def test_an_expired_log_in_is_rejected(session: Session) -> None:
    make(session)
    done = log_in(session, username="sam", password=PASSWORD, now=NOW)
    session.commit()
    assert done is not None
    assert current_session(session, done.token, now=NOW + SESSION_LIFETIME - timedelta(seconds=1)) is not None
    assert current_session(session, done.token, now=NOW + SESSION_LIFETIME) is None
    assert current_session(session, done.token, now=NOW + SESSION_LIFETIME + timedelta(days=1)) is None


@pytest.mark.parametrize("token", [None, "", "made-up-token", "x" * 500])
def test_a_missing_or_made_up_token_is_no_log_in(session: Session, token: str | None) -> None:
    make(session)
    assert log_in(session, username="sam", password=PASSWORD, now=NOW) is not None
    assert current_session(session, token, now=NOW) is None


def test_a_new_password_ends_every_log_in_and_the_old_password_stops_working(session: Session) -> None:
    make(session)
    first = log_in(session, username="sam", password=PASSWORD, now=NOW)
    second = log_in(session, username="sam", password=PASSWORD, now=NOW)
    assert first is not None and second is not None
    set_password(session, username="sam", password="a brand new passphrase")
    session.commit()
    assert current_session(session, first.token, now=NOW) is None
    assert current_session(session, second.token, now=NOW) is None
    assert log_in(session, username="sam", password=PASSWORD, now=NOW) is None
    assert log_in(session, username="sam", password="a brand new passphrase", now=NOW) is not None


def test_a_new_password_must_also_be_long_enough(session: Session) -> None:
    make(session)
    with pytest.raises(StaffError):
        set_password(session, username="sam", password="short")
    assert log_in(session, username="sam", password=PASSWORD, now=NOW) is not None


def test_disabling_ends_log_ins_and_enabling_allows_them_again(session: Session) -> None:
    make(session)
    done = log_in(session, username="sam", password=PASSWORD, now=NOW)
    assert done is not None
    set_active(session, username="sam", active=False)
    assert current_session(session, done.token, now=NOW) is None
    assert list_staff(session) == []
    assert [m.username for m in list_staff(session, active_only=False)] == ["sam"]
    set_active(session, username="sam", active=True)
    assert log_in(session, username="sam", password=PASSWORD, now=NOW) is not None


def test_log_out_ends_only_that_log_in(session: Session) -> None:
    make(session)
    first = log_in(session, username="sam", password=PASSWORD, now=NOW)
    second = log_in(session, username="sam", password=PASSWORD, now=NOW)
    assert first is not None and second is not None
    log_out(session, first.token)
    log_out(session, None)  # no error without a cookie
    assert current_session(session, first.token, now=NOW) is None
    assert current_session(session, second.token, now=NOW) is not None


def test_changing_an_unknown_account_is_refused(session: Session) -> None:
    with pytest.raises(StaffError, match="no staff member"):
        set_password(session, username="ghost", password=PASSWORD)
    with pytest.raises(StaffError, match="no staff member"):
        set_active(session, username="ghost", active=False)


# -- the command line ---------------------------------------------------------------------------------------------

@pytest.fixture
def cli_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cli.db'}"


def run_cli(monkeypatch: pytest.MonkeyPatch, url: str, *args: str, stdin: str = "") -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(["--database-url", url, *args])


def accounts(url: str) -> list[tuple[str, str, str, bool]]:
    engine = make_engine(url)
    try:
        with session_factory(engine)() as session:
            return [(m.username, m.display_name, m.role, m.active) for m in list_staff(session, active_only=False)]
    finally:
        engine.dispose()


def test_cli_creates_an_account_from_password_stdin(monkeypatch: pytest.MonkeyPatch, cli_url: str,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    status = run_cli(monkeypatch, cli_url, "create", "--username", "Sam", "--name", "Sam Smith", "--role",
                     "operator", "--password-stdin", stdin=PASSWORD + "\n")
    assert status == 0
    out = capsys.readouterr().out
    assert "created operator sam" in out and PASSWORD not in out
    assert accounts(cli_url) == [("sam", "Sam Smith", "operator", True)]
    engine = make_engine(cli_url)
    try:
        with session_factory(engine)() as session:
            assert log_in(session, username="sam", password=PASSWORD, now=NOW) is not None
    finally:
        engine.dispose()


def test_cli_refuses_a_bad_role(monkeypatch: pytest.MonkeyPatch, cli_url: str,
                                capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        run_cli(monkeypatch, cli_url, "create", "--username", "sam", "--role", "root", "--password-stdin",
                stdin=PASSWORD + "\n")
    assert exited.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_cli_refuses_a_short_password_with_a_clear_error(monkeypatch: pytest.MonkeyPatch, cli_url: str,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    status = run_cli(monkeypatch, cli_url, "create", "--username", "sam", "--role", "agent", "--password-stdin",
                     stdin="short\n")
    assert status == 2
    assert "12 characters" in capsys.readouterr().err
    assert accounts(cli_url) == []


def test_cli_refuses_a_second_account_with_the_same_name(monkeypatch: pytest.MonkeyPatch, cli_url: str) -> None:
    args = ("create", "--username", "sam", "--role", "agent", "--password-stdin")
    assert run_cli(monkeypatch, cli_url, *args, stdin=PASSWORD + "\n") == 0
    assert run_cli(monkeypatch, cli_url, *args, stdin=PASSWORD + "\n") == 2
    assert len(accounts(cli_url)) == 1


def test_cli_disable_enable_set_password_and_list(monkeypatch: pytest.MonkeyPatch, cli_url: str,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(monkeypatch, cli_url, "create", "--username", "kim", "--role", "admin", "--password-stdin",
                   stdin=PASSWORD + "\n") == 0
    assert run_cli(monkeypatch, cli_url, "disable", "--username", "kim") == 0
    assert accounts(cli_url) == [("kim", "kim", "admin", False)]
    capsys.readouterr()
    assert run_cli(monkeypatch, cli_url, "list") == 0
    assert "(disabled)" in capsys.readouterr().out
    assert run_cli(monkeypatch, cli_url, "enable", "--username", "kim") == 0
    assert run_cli(monkeypatch, cli_url, "set-password", "--username", "kim", "--password-stdin",
                   stdin="another long passphrase\n") == 0
    engine = make_engine(cli_url)
    try:
        with session_factory(engine)() as session:
            assert log_in(session, username="kim", password=PASSWORD, now=NOW) is None
            assert log_in(session, username="kim", password="another long passphrase", now=NOW) is not None
    finally:
        engine.dispose()


def test_cli_on_an_empty_database_lists_nobody(monkeypatch: pytest.MonkeyPatch, cli_url: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(monkeypatch, cli_url, "list") == 0
    assert capsys.readouterr().out == ""
