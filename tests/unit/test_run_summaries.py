"""The line an admin reads after confirming a session or sending reminders names only what happened."""
from __future__ import annotations

import pytest

from cme.attendance.confirm import ConfirmResult
from cme.attendance.reminders import ReminderRun


@pytest.mark.parametrize(("result", "text"), [
    (ConfirmResult(5, 0, 0), "已为 5 人授予学分"),
    (ConfirmResult(5, 2, 0), "已为 5 人授予学分，2 人已登记该项目未重复授予"),
    (ConfirmResult(0, 0, 3), "已为 0 人授予学分，3 人不符合条件"),
    (ConfirmResult(1, 2, 3), "已为 1 人授予学分，2 人已登记该项目未重复授予，3 人不符合条件"),
])
def test_confirm_summary(result, text):
    assert result.message == text


@pytest.mark.parametrize(("run", "text"), [
    (ReminderRun(2026, behind=4, sent=4), "2026年度未达标 4 人：已提醒 4 人"),
    (ReminderRun(2026, behind=4, sent=3, skipped_recent=1), "2026年度未达标 4 人：已提醒 3 人，1 人7天内已提醒过，本次跳过"),
    (ReminderRun(2026, behind=4, sent=4, sms_queued=2), "2026年度未达标 4 人：已提醒 4 人；短信 2 条"),
    (ReminderRun(2026, behind=4, sent=4, sms_over_limit=1, sms_no_phone=2),
     "2026年度未达标 4 人：已提醒 4 人；短信 0 条（1 人今日短信已达上限）（2 人无手机号）"),
])
def test_reminder_summary(run, text):
    assert run.message == text
