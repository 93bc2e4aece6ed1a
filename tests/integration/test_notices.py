"""通知公告: who sees what, who publishes and withdraws (both backends)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from cme import clock
from cme.administration import notices
from cme.db import session_scope
from cme.errors import NotPermitted, RecordLocked, ValidationError
from cme.models import AuditLog
from tests.factories import make_cast


@pytest.fixture
def world(db):
    with session_scope() as s:
        return make_cast(s)


def test_visibility_province_wide_plus_own_institution(world):
    today = clock.today()
    with session_scope() as s:
        notices.create_notice(s, world["province"], title="全省学分审核通知", theme="学分审核",
                              start_date=today - timedelta(days=1), end_date=today + timedelta(days=5))
        notices.create_notice(s, world["admin_a"], title="A院内部培训", theme="院内培训")
        notices.create_notice(s, world["admin_b"], title="B院内部培训")
    with session_scope() as s:
        seen_a = notices.list_notices(s, world["person_a"])
        seen_b = notices.list_notices(s, world["person_b"])
        seen_p = notices.list_notices(s, world["province"])
    assert {n.title for n in seen_a} == {"全省学分审核通知", "A院内部培训"}
    assert {n.title for n in seen_b} == {"全省学分审核通知", "B院内部培训"}
    assert {n.title for n in seen_p} == {"全省学分审核通知"}
    row = next(n for n in seen_a if n.level == "省级").table_row()
    assert list(row) == ["通知标题", "发送者", "发布时间", "通知级别", "活动主题", "举办开始日期", "举办结束日期", "状态"]
    assert row["状态"] == "进行中" and row["活动主题"] == "学分审核"
    assert next(n for n in seen_a if n.level == "单位").status == "已发布"


def test_withdraw_scope_and_effect(world):
    with session_scope() as s:
        nid = notices.create_notice(s, world["admin_a"], title="A院内部培训")
        pid = notices.create_notice(s, world["province"], title="全省通知")
    for actor, target in ((world["admin_b"], nid), (world["admin_a"], pid)):
        with pytest.raises(NotPermitted), session_scope() as s:
            notices.withdraw_notice(s, actor, target)
    with pytest.raises(NotPermitted), session_scope() as s:
        notices.create_notice(s, world["person_a"], title="个人不能发通知")
    with session_scope() as s:
        notices.withdraw_notice(s, world["admin_a"], nid)
    with pytest.raises(RecordLocked), session_scope() as s:
        notices.withdraw_notice(s, world["admin_a"], nid)
    with session_scope() as s:
        assert [n.title for n in notices.list_notices(s, world["person_a"])] == ["全省通知"]
        managed = notices.manageable_notices(s, world["admin_a"])
        assert [(n.title, n.status) for n in managed] == [("A院内部培训", "已撤回")]
        assert [n.title for n in notices.manageable_notices(s, world["province"])] == ["全省通知"]
        assert s.query(AuditLog).filter(AuditLog.action.like("notice.%")).count() == 3


def test_create_validates_fields(world):
    today = clock.today()
    with pytest.raises(ValidationError) as e, session_scope() as s:
        notices.create_notice(s, world["province"], title="  ", start_date=today, end_date=today - timedelta(days=1))
    assert e.value.errors == {"通知标题": "不能为空", "举办结束日期": "不能早于举办开始日期"}
    with session_scope() as s:
        assert notices.list_notices(s, world["person_a"]) == []
