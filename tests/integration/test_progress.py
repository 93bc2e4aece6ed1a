"""首页 figures: approved credits only, hand-checked totals, verdict text, demo data (both backends)."""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import pytest
from sqlalchemy import select

from cme import clock
from cme.config import get_settings
from cme.credits import charts, progress, review
from cme.db import session_scope
from cme.errors import NotPermitted
from cme.models import CreditRecord, User
from cme.ops.demo import seed_demo
from cme.standards import personal as standards
from tests.factories import add_credit, make_admin, make_institution, make_person

Y = clock.today().year


@pytest.fixture
def person(db):
    with session_scope() as s:
        inst = make_institution(s)  # 市州级/二级及以下医院
        me = make_person(s, inst)
        standards.add_personal_standard(s, me, Y, "市州级/二级及以下医院", "技师系列 - 副主任技师(副高)")  # SCJA4 0/10/15/25
        add_credit(s, me, year=Y, credit_type="省级I类", credits="3")
        add_credit(s, me, year=Y, credit_type="省级I类", credits="2.5")
        add_credit(s, me, year=Y, credit_type="国家级I类", credits="2")
        add_credit(s, me, year=Y, credit_type="II类", credits="4")
        add_credit(s, me, year=Y, credit_type="省级I类", credits="5", status="pending")
        add_credit(s, me, year=Y, credit_type="II类", credits="6", status="rejected")
        add_credit(s, me, year=Y - 1, credit_type="II类", credits="30")
        return me, inst


def test_home_counts_equal_hand_computation(person):
    me, _ = person
    with session_scope() as s:
        home = progress.home_progress(s, me)
    assert (home.projects_i, home.projects_ii) == (3, 1)  # 2 省I + 1 国I approved; 1 II approved
    assert (home.credits_i, home.credits_ii) == (Decimal("7.5"), Decimal("4"))
    assert (home.pending_i, home.pending_ii) == (Decimal("5"), Decimal("0"))  # rejected never counts
    assert home.current.verdict.standard_code == "SCJA4"
    # 省I 5.5/10, II 4/15, total 11.5/25; national 0 required
    assert home.missing_text == "省级I类还差 4.5 分，II类还差 11 分，总学分还差 13.5 分"
    assert [p.year for p in home.years] == list(range(Y - 4, Y + 1))
    last_year = home.years[-2]
    assert last_year.verdict.status == "未设置" and last_year.verdict.class_ii_obtained == 30


def test_pending_credit_counts_only_after_approval(person):
    me, inst = person
    with session_scope() as s:
        admin = make_admin(s, inst)
        pending_id = s.scalars(select(CreditRecord.id).where(CreditRecord.status == "pending")).one()
        review.approve_credit(s, admin, pending_id)
    with session_scope() as s:
        home = progress.home_progress(s, me)
    assert home.credits_i == Decimal("12.5") and home.pending_i == 0 and home.projects_i == 4
    assert home.missing_text == "II类还差 11 分，总学分还差 8.5 分"


def test_national_cycle_and_setting(db, monkeypatch):
    with session_scope() as s:
        inst = make_institution(s, level="省级/三级医院")
        me = make_person(s, inst)
        standards.add_personal_standard(s, me, Y, "省级/三级医院", "医师系列 - 主任医师(正高)")  # SCJA1 10/6y,10,15,25
        add_credit(s, me, year=Y - 6, credit_type="国家级I类", credits="9")  # outside the cycle
        add_credit(s, me, year=Y - 3, credit_type="国家级I类", credits="4")
        add_credit(s, me, year=Y, credit_type="国家级I类", credits="2")
        add_credit(s, me, year=Y, credit_type="省级I类", credits="8")
        add_credit(s, me, year=Y, credit_type="II类", credits="15")
    with session_scope() as s:
        v = progress.home_progress(s, me).current.verdict
    assert (v.cycle_start, v.national_i_cycle_obtained) == (Y - 5, Decimal("6"))
    assert v.missing_text() == f"国家级I类（{Y - 5}至{Y}年）还差 4 分，省级I类还差 2 分"
    with session_scope() as s:
        cycle = charts.cycle_progress(progress.home_progress(s, me))
    assert "国家级I类学分周期进度" in cycle.layout.title.text and list(cycle.data[0].x) == [6.0]
    monkeypatch.setenv("CME_NATIONAL_COUNTS_AS_PROVINCIAL_I", "1")
    get_settings.cache_clear()
    try:
        with session_scope() as s:
            home = progress.home_progress(s, me)
        assert home.missing_text == f"国家级I类（{Y - 5}至{Y}年）还差 4 分"
        fig = charts.yearly_bars(home)  # counted toward 省级I类: 8 provincial stacked on 2 national
        assert list(fig.data[1].y)[-1] == 8 and list(fig.data[0].y)[-1] == 2
        assert list(fig.data[1].base)[-1] == 2 and fig.data[0].offsetgroup == fig.data[1].offsetgroup
    finally:
        monkeypatch.delenv("CME_NATIONAL_COUNTS_AS_PROVINCIAL_I")
        get_settings.cache_clear()


def test_charts_show_pending_apart_and_standard_lines(person):
    me, _ = person
    with session_scope() as s:
        home = progress.home_progress(s, me)
    fig = charts.yearly_bars(home)
    by_name = {t.name: list(t.y) for t in fig.data}
    assert by_name["省级I类"][-1] == 5.5 and by_name["国家级I类"][-1] == 2 and by_name["II类"][-1] == 4
    assert by_name["待审（不计入）"][-1] == 5
    assert by_name["省级I类标准"][-1] == 10 and by_name["II类标准"][-1] == 15
    assert by_name["II类标准"][-2] is None  # last year 未设置
    national, provincial = fig.data[0], fig.data[1]  # not counted toward 省级I类: side by side, not stacked
    assert national.offsetgroup != provincial.offsetgroup and provincial.base is None
    assert charts.cycle_progress(home) is None  # SCJA4 asks for no national Class I: no cycle bar


def test_unset_year_prompts_to_set_standard(db):
    with session_scope() as s:
        me = make_person(s, make_institution(s))
        home = progress.home_progress(s, me)
    assert home.projects_i == 0 and home.credits_ii == 0
    assert "未设置本年度学分标准" in home.missing_text
    assert charts.cycle_progress(home) is None


def test_scope_of_home_progress(person):
    me, inst = person
    with session_scope() as s:
        other = make_person(s, inst)
        foreign_admin = make_admin(s, make_institution(s))
        own_admin = make_admin(s, inst)
        assert progress.home_progress(s, own_admin, me.id).credits_i == Decimal("7.5")
        with pytest.raises(NotPermitted):
            progress.home_progress(s, other, me.id)
        with pytest.raises(NotPermitted):
            progress.home_progress(s, foreign_admin, me.id)
        q = progress.unit_queues(s, own_admin)
        assert q.credits == 1 and q.registrations == 0
        assert progress.unit_queues(s, foreign_admin).credits == 0
        with pytest.raises(NotPermitted):
            progress.unit_queues(s, me)


def test_demo_users_home_equals_raw_sums(sqlite_db):
    """Every demo user's 首页 numbers equal a sum over their approved raw records."""
    with session_scope() as s:
        seed_demo(s)
    with session_scope() as s:
        from cme.core.actors import actor_from_user

        users = s.scalars(select(User).where(User.role == "person")).all()
        raw = defaultdict(lambda: [Decimal(0), Decimal(0), 0, 0])
        for r in s.scalars(select(CreditRecord).where(CreditRecord.year == Y, CreditRecord.status == "approved")):
            t = raw[r.user_id]
            cls_i = r.credit_type != "II类"
            t[0 if cls_i else 1] += r.credits
            t[2 if cls_i else 3] += 1
        assert len(users) == 50 and raw
        for u in users:
            home = progress.home_progress(s, actor_from_user(u))
            assert [home.credits_i, home.credits_ii, home.projects_i, home.projects_ii] == raw[u.id], u.username
