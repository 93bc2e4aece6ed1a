"""首页 attention and history (issue 13): rejected credits until re-registered, recent reviews and
notices, 历年达标情况 for every year with a standard, the national cycle when this year has none."""
from __future__ import annotations

from datetime import timedelta

import pytest

from cme import clock
from cme.administration import notices
from cme.credits import attention, progress
from cme.db import session_scope
from cme.errors import NotPermitted
from cme.models import Notice
from cme.standards import personal as standards
from tests.factories import add_credit, make_admin, make_institution, make_person

Y = clock.today().year
SCJA1 = ("省级/三级医院", "医师系列 - 主任医师(正高)")  # 国I 10 per 6 years, 省I 10, II 15, total 25


def test_rejected_credit_listed_until_registered_again(db):
    with session_scope() as s:
        inst = make_institution(s)
        me, other = make_person(s, inst), make_person(s, inst)
        rec = add_credit(s, me, year=Y, credit_type="II类", credits="3", code="REJ-1", name="被退回的讲座", status="rejected")
        rec.reject_reason, rec.reviewed_at = "证明材料不清晰", clock.utcnow()
        add_credit(s, me, year=Y, credit_type="II类", credits="2", code="OK-1", status="approved").reviewed_at = clock.utcnow()
        add_credit(s, other, year=Y, credit_type="II类", credits="2", code="REJ-2", status="rejected")
    with session_scope() as s:
        listed = attention.rejected_to_resubmit(s, me)
        assert [(r.project_code, r.project_name, r.reason) for r in listed] == [("REJ-1", "被退回的讲座", "证明材料不清晰")]
        assert attention.recent_reviews(s, me) == attention.RecentReviews(approved=1, rejected=1)
        add_credit(s, me, year=Y, credit_type="II类", credits="3", code="REJ-1", status="pending")  # 重新登记
    with session_scope() as s:
        assert attention.rejected_to_resubmit(s, me) == []
    with session_scope() as s:  # the refusal is audited after the rollback: the admin must exist by then
        admin = make_admin(s, inst)
    with pytest.raises(NotPermitted), session_scope() as s:
        attention.rejected_to_resubmit(s, admin)


def test_recent_notices_counted_for_the_badge(db):
    with session_scope() as s:
        inst, other_inst = make_institution(s), make_institution(s)
        me = make_person(s, inst)
        admin, province = make_admin(s, inst), make_admin(s)
        notices.create_notice(s, admin, title="本院通知")
        notices.create_notice(s, province, title="全省通知")
        notices.create_notice(s, make_admin(s, other_inst), title="别院通知")
        old = notices.create_notice(s, province, title="旧通知")
        s.get(Notice, old).published_at = clock.utcnow() - timedelta(days=40)
    with session_scope() as s:
        assert notices.recent_notice_count(s, me, 30) == 2


def test_history_lists_every_year_with_a_standard_and_the_cycle_without_this_years(db):
    with session_scope() as s:
        me = make_person(s, make_institution(s, level="省级/三级医院"))
        for year in (Y - 3, Y - 1):
            standards.add_personal_standard(s, me, year, *SCJA1)
        add_credit(s, me, year=Y - 1, credit_type="省级I类", credits="10")
        add_credit(s, me, year=Y - 1, credit_type="II类", credits="15")
        add_credit(s, me, year=Y - 2, credit_type="国家级I类", credits="4")
    with session_scope() as s:
        history = progress.standard_history(s, me)
        home = progress.home_progress(s, me)
    assert [p.year for p in history] == [Y - 1, Y - 3]  # this year has no standard yet
    rows = {r["年度"]: r for r in map(progress.history_row, history)}
    assert rows[Y - 1]["结论"] == "未达标"
    assert rows[Y - 1]["还差"] == f"国家级I类（{Y - 6}至{Y - 1}年）还差 6 分"
    assert rows[Y - 1]["国家级I类(已获/要求)"] == "4 / 10" and rows[Y - 1]["省级I类(已获/要求)"] == "10 / 10"
    assert rows[Y - 3]["结论"] == "未达标" and rows[Y - 3]["总学分(已获/要求)"] == "0 / 25"
    cycle = progress.national_cycle_year(history)
    assert cycle.year == Y - 1  # charted although this year is 未设置
    assert home.current.verdict.status == "未设置" and home.has_data
