"""SMS verification codes: format, hashing, expiry, single use, tries, resend and daily limits."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from cme.accounts import sms
from cme.clock import utcnow
from cme.db import session_scope
from cme.errors import Throttled, ValidationError
from cme.models import SmsCode

PHONE = "13912345678"


def last_code(phone: str) -> str:
    to, text = next(m for m in reversed(sms.ConsoleGateway.outbox) if m[0] == phone)
    assert text.startswith("【省卫计信息中心】您的验证码为：")
    return re.search(r"(\d{6})", text).group(1)


def age_codes(seconds: int) -> None:
    """Move every code back in time, as if `seconds` had passed."""
    with session_scope() as s:
        for row in s.scalars(select(SmsCode)):
            row.created_at -= timedelta(seconds=seconds)
            row.expires_at -= timedelta(seconds=seconds)
            if row.used_at:
                row.used_at -= timedelta(seconds=seconds)


def send(phone=PHONE, purpose="register"):
    with session_scope() as s:
        return sms.send_code(s, phone, purpose)


def verify(code, phone=PHONE, purpose="register"):
    with session_scope() as s:
        return sms.verify_code(s, phone, purpose, code)


def test_code_is_six_digits_and_stored_hashed(db):
    issued = send()
    code = last_code(PHONE)
    assert re.fullmatch(r"\d{6}", code)
    assert issued.masked_phone == "139****5678" and issued.valid_minutes == 5
    assert issued.demo_code is None  # tests run with demo mode off: never on screen
    with session_scope() as s:
        row = s.scalars(select(SmsCode)).one()
        assert code not in row.code_hash and PHONE not in row.phone_hash and len(row.code_hash) == 64


def test_right_code_gives_ticket_and_is_single_use(db):
    send()
    code = last_code(PHONE)
    ticket = verify(code)
    with pytest.raises(ValidationError, match="已失效"):
        verify(code)
    with session_scope() as s:
        sms.redeem_ticket(s, PHONE, "register", ticket)
    with pytest.raises(ValidationError, match="手机验证已失效"), session_scope() as s:
        sms.redeem_ticket(s, PHONE, "register", ticket)


def test_code_bound_to_phone_and_purpose(db):
    send()
    code = last_code(PHONE)
    with pytest.raises(ValidationError, match="已失效或未获取"):
        verify(code, purpose="reset")
    with pytest.raises(ValidationError, match="已失效或未获取"):
        verify(code, phone="13912345679")
    ticket = verify(code)
    with pytest.raises(ValidationError, match="手机验证已失效"), session_scope() as s:
        sms.redeem_ticket(s, "13912345679", "register", ticket)
    with pytest.raises(ValidationError, match="手机验证已失效"), session_scope() as s:
        sms.redeem_ticket(s, PHONE, "change_phone", ticket)
    forged = ticket.split(".")[0] + ".0000"
    with pytest.raises(ValidationError), session_scope() as s:
        sms.redeem_ticket(s, PHONE, "register", forged)


def test_code_expires_after_five_minutes(db):
    send()
    code = last_code(PHONE)
    age_codes(5 * 60 + 1)
    with pytest.raises(ValidationError, match="已失效"):
        verify(code)


def test_five_wrong_tries_void_the_code(db):
    send()
    code = last_code(PHONE)
    wrong = "000000" if code != "000000" else "111111"
    for left in (4, 3, 2, 1):
        with pytest.raises(ValidationError, match=f"还可尝试{left}次"):
            verify(wrong)
    with pytest.raises(ValidationError, match="错误次数过多"):
        verify(wrong)
    with pytest.raises(ValidationError, match="已失效"):
        verify(code)  # even the right one is void now


def test_resend_waits_sixty_seconds_and_voids_the_old_code(db):
    send()
    first = last_code(PHONE)
    with pytest.raises(Throttled, match="秒后再重新获取"):
        send()
    age_codes(61)
    send()
    second = last_code(PHONE)
    if first != second:
        with pytest.raises(ValidationError):
            verify(first)
    assert verify(second)


def test_at_most_ten_codes_per_number_per_day(db):
    for _ in range(10):
        send()
        age_codes(61)
    with pytest.raises(Throttled, match="今日获取验证码已达10次"):
        send()
    send(phone="13912345670")  # another number is not affected


def test_expired_ticket_refused(db):
    send()
    ticket = verify(last_code(PHONE))
    with session_scope() as s:
        s.execute(update(SmsCode).values(expires_at=utcnow() - timedelta(seconds=1)))
    with pytest.raises(ValidationError, match="手机验证已失效"), session_scope() as s:
        sms.redeem_ticket(s, PHONE, "register", ticket)


def test_http_gateway_posts_json(db, monkeypatch):
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append((self.headers["Authorization"], json.loads(self.rfile.read(int(self.headers["Content-Length"])))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *a):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.handle_request, daemon=True).start()
    gw = sms.HttpGateway(f"http://127.0.0.1:{server.server_port}/send", "tok")
    with session_scope() as s:
        issued = sms.send_code(s, PHONE, "reset", gateway=gw)
    server.server_close()
    assert issued.demo_code is None
    auth_header, body = received[0]
    assert auth_header == "Bearer tok" and body["phone"] == PHONE
    assert re.fullmatch(r"【省卫计信息中心】您的验证码为：\d{6}。", body["message"])


def test_console_gateway_is_refused_outside_demo_mode(monkeypatch):
    from cme.config import load_settings
    from cme.errors import DomainError
    from tests.conftest import CONFIGURED_GATEWAY

    monkeypatch.setenv("CME_SMS_BACKEND", "console")
    monkeypatch.setattr(sms, "get_settings", load_settings)  # CME_DEMO=0 in tests
    with pytest.raises(DomainError, match="短信网关未配置"):
        CONFIGURED_GATEWAY()
    monkeypatch.setenv("CME_DEMO", "1")
    assert isinstance(CONFIGURED_GATEWAY(), sms.ConsoleGateway)


def test_overall_hourly_sms_budget(db, monkeypatch):
    import dataclasses

    from cme.config import get_settings

    small = dataclasses.replace(get_settings(), sms_hourly_budget=3)
    monkeypatch.setattr(sms, "get_settings", lambda: small)
    for n in range(3):  # three different numbers: each number's own limits are far away
        send(f"1391234{n:04d}")
    with pytest.raises(Throttled, match="短信发送繁忙"):
        send("13912349999")
    age_codes(3601)
    send("13912349999")
