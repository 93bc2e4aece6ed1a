"""The SMS outbox: a message is written in the caller's transaction (none for a rolled-back one), sent
after the commit, kept encrypted and blanked once sent; one whose send failed or whose process was
killed stays pending and `python -m cme send-outbox` sends it; parallel senders send each once;
purge removes it after its window."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from cme import crypto
from cme.accounts import sms
from cme.cli import main
from cme.clock import utcnow
from cme.db import session_scope
from cme.models import SmsOutbox
from cme.ops.purge import purge_expired
from tests.parallel import run_together

ROOT = Path(__file__).resolve().parents[2]
PHONE = "13912345678"


def outbox_rows() -> list[SmsOutbox]:
    with session_scope() as s:
        return list(s.scalars(select(SmsOutbox).order_by(SmsOutbox.id)))


def last_console_code(phone: str = PHONE) -> str:
    _, text = next(m for m in reversed(sms.ConsoleGateway.outbox) if m[0] == phone)
    return text.split("：")[1][:6]


def test_a_code_is_written_in_the_transaction_and_sent_after_the_commit(db):
    sms.ConsoleGateway.outbox.clear()
    with pytest.raises(RuntimeError), session_scope() as s:
        sms.send_code(s, PHONE, "reset")
        raise RuntimeError("the request dies before its commit")
    assert outbox_rows() == [] and not sms.ConsoleGateway.outbox  # no message for a code that does not exist

    with session_scope() as s:
        sms.send_code(s, PHONE, "reset")
        stored = s.scalar(select(SmsOutbox.body_enc))
        assert not sms.ConsoleGateway.outbox  # nothing leaves before the commit
    code = last_console_code()
    assert code not in stored and code in crypto.decrypt(stored) and PHONE not in stored
    [row] = outbox_rows()
    assert (row.status, row.attempts, row.body_enc) == ("sent", 1, None)  # the code is not kept once sent
    with session_scope() as s:
        assert sms.verify_code(s, PHONE, "reset", code)


def test_a_failed_send_stays_pending_and_send_outbox_retries_it(db, capsys):
    with socket.socket() as closed:  # a port bound but not listening: the gateway refuses the connection
        closed.bind(("127.0.0.1", 0))
        down = sms.HttpGateway(f"http://127.0.0.1:{closed.getsockname()[1]}/send", None, timeout=5)
        with session_scope() as s:
            sms.send_code(s, PHONE, "reset", gateway=down)  # committed; the send is retried, not reported as failed
    [row] = outbox_rows()
    assert (row.status, row.attempts, row.claimed_until) == ("pending", 1, None) and row.last_error

    sms.ConsoleGateway.outbox.clear()
    assert main(["send-outbox"]) == 0
    assert "已发送 1 条，发送失败 0 条" in capsys.readouterr().out
    [row] = outbox_rows()
    assert (row.status, row.attempts, row.body_enc) == ("sent", 2, None)
    with session_scope() as s:
        assert sms.verify_code(s, PHONE, "reset", last_console_code())  # the retried message carries a live code
    assert main(["send-outbox"]) == 0 and "已发送 0 条" in capsys.readouterr().out  # never twice


def test_a_sender_killed_during_the_send_leaves_the_message_to_send_outbox(db):
    script = (
        "import os, signal\n"
        "from cme.accounts import sms\n"
        "from cme.db import session_scope\n"
        "class Dying:\n"
        "    def send(self, phone, text):\n"
        "        os.kill(os.getpid(), signal.SIGKILL)\n"
        "with session_scope() as s:\n"
        f"    sms.send_code(s, {PHONE!r}, 'reset', gateway=Dying())\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("CME_")} | {
        k: os.environ[k] for k in ("CME_DATABASE_URL", "CME_SECRET_KEY", "CME_UPLOAD_DIR")} | {"CME_DEMO": "0"}
    killed = subprocess.run([sys.executable, "-c", script], check=False, cwd=ROOT, env=env, capture_output=True, timeout=300)
    assert killed.returncode == -9, killed.stderr
    [row] = outbox_rows()
    assert row.status == "pending" and row.claimed_until is not None  # committed, claimed, never marked sent

    sms.ConsoleGateway.outbox.clear()
    assert sms.send_pending().sent == 0  # within its lease the message may still be on its way
    after_lease = utcnow() + sms.LEASE + timedelta(seconds=1)
    assert sms.send_pending(now=after_lease).sent == 1
    with session_scope() as s:
        assert sms.verify_code(s, PHONE, "reset", last_console_code())
    print(f"\n[{db}] sender killed (SIGKILL) during the send: message pending after the kill, sent once by "
          f"send-outbox after its lease")


def test_parallel_senders_send_each_message_once(db):
    with session_scope() as s:
        for n in range(20):
            sms.queue(s, f"139{n:08d}", f"提醒{n}", kind="notice", ttl=sms.NOTICE_TTL, send_after_commit=False)
    sent, lock = [], threading.Lock()

    class Counting:
        def send(self, phone, text):
            with lock:
                sent.append((phone, text))

    results = run_together(*(lambda: sms.send_pending(Counting()) for _ in range(4)))
    assert not [r for r in results if isinstance(r, Exception)], results
    print(f"\n[{db}] 4 senders at once over 20 messages: {len(sent)} sends, {len(sent) - len(set(sent))} duplicates")
    assert sorted(sent) == sorted((f"139{n:08d}", f"提醒{n}") for n in range(20))
    assert sum(r.sent for r in results) == 20
    with session_scope() as s:
        assert s.scalar(select(func.count()).select_from(SmsOutbox).where(SmsOutbox.status == "sent")) == 20


def test_expired_messages_are_not_sent_and_purge_removes_old_ones(db):
    now = utcnow()
    with session_scope() as s:
        stale = sms.queue(s, PHONE, "旧验证码", kind="code", ttl=sms.CODE_TTL, send_after_commit=False)
        live = sms.queue(s, PHONE, "新提醒", kind="notice", ttl=sms.NOTICE_TTL, send_after_commit=False)
        s.execute(update(SmsOutbox).where(SmsOutbox.id == stale).values(expires_at=now - timedelta(minutes=1)))
    sms.ConsoleGateway.outbox.clear()
    report = sms.send_pending()
    assert (report.sent, report.expired) == (1, 1) and list(sms.ConsoleGateway.outbox) == [(PHONE, "新提醒")]
    assert {r.id: (r.status, r.body_enc) for r in outbox_rows()} == {stale: ("expired", None), live: ("sent", None)}

    with session_scope() as s:
        assert purge_expired(s).sms_outbox == 0  # within the day both are kept (what was sent, when)
    with session_scope() as s:
        assert purge_expired(s, now + timedelta(days=2)).sms_outbox == 2
    assert outbox_rows() == []
