"""`python -m cme create-admin | create-user | disable-account | enable-account`: secrets come from a
prompt or standard input, never from arguments (which `ps` and shell history show)."""
from __future__ import annotations

import io

import pytest

from cme.accounts import auth
from cme.cli import build_parser, main
from cme.db import session_scope
from cme.errors import AuthError
from tests.factories import PASSWORD, login_token, make_institution, make_person, valid_id_number


def test_secrets_are_not_arguments():
    parser = build_parser()
    for command in ("create-admin", "create-user"):
        sub = parser._subparsers._group_actions[0].choices[command]
        flags = {f for a in sub._actions for f in a.option_strings}
        assert not flags & {"--password", "--id-number"}


def test_create_user_reads_password_and_id_number_from_stdin(sqlite_db, monkeypatch, capsys):
    with session_scope() as s:
        inst = make_institution(s)
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{PASSWORD}\n{valid_id_number(901)}\n"))
    assert main(["create-user", "--username", "cliuser1", "--name", "命令行", "--phone", "13900000901",
                 "--institution", inst.code]) == 0
    assert "510104********" in capsys.readouterr().out
    with session_scope() as s:
        assert login_token(s, "cliuser1", PASSWORD)


def test_create_admin_without_stdin_stops(sqlite_db, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    with pytest.raises(SystemExit, match="标准输入"):
        main(["create-admin", "--username", "cliadmin", "--name", "管理员", "--role", "province"])


def test_disable_and_enable_account(sqlite_db, capsys):
    with session_scope() as s:
        person = make_person(s, make_institution(s))
        token = login_token(s, person.username)
    assert main(["disable-account", "--username", person.username]) == 0
    with session_scope() as s:
        assert auth.resume_session(s, token) is None  # its sessions ended at once
    with session_scope() as s, pytest.raises(AuthError, match="已停用"):
        auth.login(s, person.username, PASSWORD)
    assert main(["disable-account", "--username", person.username]) == 2  # already disabled
    assert main(["enable-account", "--username", person.username]) == 0
    with session_scope() as s:
        assert login_token(s, person.username)
