"""AppTest for 签到管理 (organiser), 扫码签到 (phone), the reminder panel on 本机构人员 and the 首页 blocks."""
from __future__ import annotations

from datetime import time

import pytest
from sqlalchemy import select

from cme import clock
from cme.attendance import checkin, reminders, sessions, tokens
from cme.db import session_scope
from cme.models import CreditRecord
from cme.standards import personal as standards
from tests.apptest import open_page
from tests.attendance_world import make_world, morning
from tests.factories import PASSWORD, add_credit, login_token, valid_id_number


def texts(at) -> str:
    parts = [m.value for m in at.markdown] + [e.value for e in at.error] + [e.value for e in at.success]
    parts += [w.value for w in at.warning] + [c.value for c in at.caption] + [i.value for i in at.info]
    return "\n".join(str(p) for p in parts)


@pytest.fixture
def world(sqlite_db, fake_clock):
    with session_scope() as s:
        return make_world(s)


def test_organiser_opens_watches_closes_reviews_and_confirms(world, fake_clock):
    at = open_page("app_pages/unit/attendance.py", username=world.organiser.username, password=PASSWORD)
    assert not at.exception, at.exception
    assert at.selectbox(key="att_project").value.startswith("SC-2026-0001 合理用药学习班")
    at.text_input(key="att_place").input("第一会议室")
    at.time_input(key="att_in_from").set_value(time(8))
    at.time_input(key="att_in_to").set_value(time(9))
    at.time_input(key="att_out_from").set_value(time(11))
    at.time_input(key="att_out_to").set_value(time(12))
    at.number_input(key="att_min").set_value(120)
    at.button(key="FormSubmitter:att_open-开始签到").click().run()
    assert not at.exception, at.exception
    assert "签到已开始" in texts(at)
    assert len(at.get("image")) == 1 and "二维码每30秒更新" in str(at.get("image")[0].proto)
    assert {m.label: m.value for m in at.metric}["已签到"] == "0"

    with session_scope() as s:
        [run] = sessions.project_sessions(s, world.organiser, world.project_id)
    fake_clock.at(8, 10)
    for p in world.people:
        with session_scope() as s:
            checkin.sign_in(s, p, checkin.open_scan(s, tokens.qr_token(run.id)).ticket)
    fake_clock.at(11, 20)
    with session_scope() as s:
        checkin.sign_out(s, world.people[0], checkin.open_scan(s, tokens.qr_token(run.id)).ticket)
    at.run()
    assert {m.label: m.value for m in at.metric}["已签到"] == "3"
    assert {m.label: m.value for m in at.metric}["已签退"] == "1"

    at.button(key="att_close").click().run()
    assert "签到已结束" in texts(at) and not at.get("image")
    listing = at.dataframe[-1].value
    assert sorted(listing["结果"]) == ["未签退", "未签退", "符合"] and "********" in listing["身份证号"].iloc[0]

    removable = next(o for o in at.selectbox(key="att_remove_who").options if world.people[2].username in o)
    at.selectbox(key="att_remove_who").select(removable)
    at.button(key="FormSubmitter:att_remove-移除").click().run()
    assert "移除原因：请填写移除原因" in texts(at)
    at.selectbox(key="att_remove_who").select(removable)
    at.text_input(key="att_remove_reason").input("提前离场")
    at.button(key="FormSubmitter:att_remove-移除").click().run()
    assert "已移除" in texts(at) and "已移除：提前离场" in list(at.dataframe[-1].value["结果"])

    with session_scope() as s:
        from cme.models import User
        number = valid_id_number(int(s.get(User, world.people[1].id).username[4:]))
    at.text_input(key="att_walk_in_id").input("510104")
    at.button(key="FormSubmitter:att_walk_in-补录").click().run()
    assert "身份证号：" in texts(at)
    # people[1] scanned in but not out: already on the list, so a walk-in is refused
    at.text_input(key="att_walk_in_id").input(number)
    at.button(key="FormSubmitter:att_walk_in-补录").click().run()
    assert "已在签到名单中" in texts(at)

    at.button(key="att_confirm").click().run()
    assert not at.exception, at.exception
    assert "已为 1 人授予学分，2 人不符合条件" in texts(at) and "本场签到已确认授予学分" in texts(at)
    with session_scope() as s:
        assert list(s.scalars(select(CreditRecord.user_id).where(CreditRecord.source == "扫码签到"))) == [world.people[0].id]


def test_another_institutions_admin_has_nothing_to_run(world):
    at = open_page("app_pages/unit/attendance.py", username=world.other_admin.username, password=PASSWORD)
    assert not at.exception, at.exception
    assert "暂无可管理签到的项目" in texts(at)
    at = open_page("app_pages/unit/attendance.py", username=world.people[0].username, password=PASSWORD)
    assert "无权访问该页面" in texts(at)


def test_phone_page_logs_in_then_signs_in_and_out(world, fake_clock):
    with session_scope() as s:
        sid = sessions.open_session(s, world.organiser, world.project_id, morning(min_minutes=0))
    fake_clock.at(8, 30)
    at = open_page("app_pages/public/checkin.py", run=False)
    at.query_params["t"] = tokens.qr_token(sid)
    at.run()
    assert not at.exception, at.exception
    assert "合理用药学习班" in texts(at) and "请先登录" in texts(at)
    at.text_input[0].input(world.people[2].username)  # another institution's doctor
    at.text_input[1].input(PASSWORD)
    at.button[0].click().run()
    assert not at.exception, at.exception
    # the browser now fetches its HttpOnly cookie at /session/start and comes back (AppTest has no
    # browser): the session it gets is what the next run reads
    with session_scope() as s:
        at.session_state["session_token"] = login_token(s, world.people[2].username)
    at.run()
    at.button(key="checkin_in").click().run()
    assert "签到成功（08:30）" in texts(at)
    assert at.button(key="checkin_in").disabled  # a second tap is not offered (and would change nothing)
    fake_clock.at(11, 5)
    at.run()
    assert "二维码已过期，请重新扫描" in texts(at)  # the morning's scan is long gone: scan again to sign out
    at.query_params["t"] = tokens.qr_token(sid)
    at.run()
    at.button(key="checkin_out").click().run()
    assert "签退成功（11:05）" in texts(at)
    assert {m.label: m.value for m in at.metric} == {"签到时间": "08:30", "签退时间": "11:05"}


def test_phone_page_refuses_an_expired_code(world, fake_clock):
    with session_scope() as s:
        sid = sessions.open_session(s, world.organiser, world.project_id, morning())
    fake_clock.at(8, 0)
    stale = tokens.qr_token(sid)
    fake_clock.at(8, 5)
    at = open_page("app_pages/public/checkin.py", run=False)
    at.query_params["t"] = stale
    at.run()
    assert "二维码已过期，请重新扫描" in texts(at)
    assert not at.button


Y = clock.today().year
CITY_MID = ("市州级/二级及以下医院", "药学系列 - 主管药师(中级)")  # SCJA5: 省I 5, II 20, total 25


@pytest.fixture
def behind(sqlite_db):
    from tests.factories import make_admin, make_institution, make_person

    with session_scope() as s:
        inst = make_institution(s)
        me, fine = make_person(s, inst), make_person(s, inst)
        for who in (me, fine):
            standards.add_personal_standard(s, who, Y, *CITY_MID)
        add_credit(s, me, year=Y, credit_type="省级I类", credits="2")
        add_credit(s, fine, year=Y, credit_type="省级I类", credits="5")
        add_credit(s, fine, year=Y, credit_type="II类", credits="20")
        return dict(me=me, fine=fine, admin=make_admin(s, inst))


def reminder_table(at):
    return next(d.value for d in at.dataframe if "省级I类还差" in d.value.columns)


def test_staff_page_reminds_the_people_behind_and_their_home_shows_it(behind):
    at = open_page("app_pages/unit/staff.py", username=behind["admin"].username, password=PASSWORD)
    assert not at.exception, at.exception
    table = reminder_table(at)
    assert list(table["用户名"]) == [behind["me"].username]
    assert (table["省级I类还差"].iloc[0], table["II类还差"].iloc[0], table["总学分还差"].iloc[0]) == ("3", "20", "23")
    at.button(key="remind_send").click().run()
    assert not at.exception, at.exception
    assert f"{Y}年度未达标 1 人：已提醒 1 人" in texts(at)
    assert list(reminder_table(at)["本次"]) == ["7天内已提醒，跳过"]

    home = open_page("app_pages/personal/home.py", username=behind["me"].username, password=PASSWORD)
    assert not home.exception, home.exception
    assert "学分提醒" in texts(home) and "省级I类还差 3 分，II类还差 20 分，总学分还差 23 分" in texts(home)
    assert f"{Y}年省级I类：**还差 3 分**" in texts(home)  # 学分计划, the same figures as 首页's verdict
    [note] = [b for b in home.button if b.key.startswith("reminder_read_")]
    note.click().run()
    assert "学分提醒" not in texts(home)
    with session_scope() as s:
        assert reminders.unread_reminders(s, behind["me"]) == []
