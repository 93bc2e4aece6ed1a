"""AppTest for the credit screens: what a user sees and what is refused."""
from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from cme import clock
from cme.credits import entry, review, search
from cme.credits.entry import CreditInput
from cme.credits.search import CreditFilter
from cme.db import session_scope
from cme.models import Notice
from cme.standards import personal as standards
from cme.storage import Upload
from tests.apptest import open_page
from tests.factories import PASSWORD, add_credit, make_admin, make_institution, make_person
from ui.row_select import table_key

Y = clock.today().year
ROOT = Path(__file__).resolve().parents[2]


def page(path: str, username: str) -> AppTest:
    at = open_page(path, username=username, password=PASSWORD)
    assert not at.exception, at.exception
    return at


def png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (30, 20), "blue").save(buf, "PNG")
    return buf.getvalue()


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [e.value for e in at.error] + [e.value for e in at.success]
    parts += [w.value for w in at.warning] + [c.value for c in at.caption] + [i.value for i in at.info]
    return "\n".join(str(p) for p in parts)


_TEXT_FIELDS = {"project_code", "credits", "project_name", "organizer"}


def fill_credit_form(at: AppTest, **values) -> None:
    """Fill 学分登记's fields by name (widget key cf_<name>) in the order given: text, dates, the rest selects."""
    for name, value in values.items():
        key = f"cf_{name}"
        if name in _TEXT_FIELDS:
            at.text_input(key=key).input(value)
        elif isinstance(value, date):
            at.date_input(key=key).set_value(value)
        else:
            at.selectbox(key=key).set_value(value)
        if name == "subject_parent":
            at.run()  # the 学科 child list follows the parent


def pick_credit(at: AppTest, code: str) -> None:
    """Choose, in 我的学分's picker, the credit with project code `code`."""
    label = next(o for o in at.selectbox(key="cl_pick").options if code in o)
    at.selectbox(key="cl_pick").set_value(label).run()


def listed_credit(at: AppTest, code: str):
    """The row of the page's credit table for project code `code`."""
    table = at.dataframe[0].value
    return table[table["项目编号"] == code].iloc[0]


def notice_table(at: AppTest):
    return next(df.value for df in at.dataframe if "通知标题" in df.value.columns)


@pytest.fixture
def world(sqlite_db):
    with session_scope() as s:
        inst, other = make_institution(s), make_institution(s)
        me = make_person(s, inst, "pageuser1")
        make_admin(s, inst, "pageadmin1")
        make_admin(s, other, "pageadmin2")
        standards.add_personal_standard(s, me, Y, "市州级/二级及以下医院", "技师系列 - 副主任技师(副高)")
        add_credit(s, me, year=Y, credit_type="省级I类", credits="3", code="A1")
        add_credit(s, me, year=Y, credit_type="II类", credits="4.5", code="A2")
        add_credit(s, me, year=Y, credit_type="II类", credits="9", status="pending", code="A3", name="待审项目")
        add_credit(s, me, year=Y, credit_type="省级I类", credits="7", status="rejected", code="A4")
        s.add(Notice(title="全省学分审核通知", sender_id=make_admin(s).id, level="省级", theme="学分审核",
                     start_date=date(Y, 1, 1), end_date=date(Y, 12, 31)))
        s.add(Notice(title="别的医院的通知", sender_id=make_admin(s, other).id, institution_id=other.id, level="单位"))
    return me


def test_home_metrics_text_and_notices(world):
    at = page("app_pages/personal/home.py", "pageuser1")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"I类项目": "1", "II类项目": "1", "I类学分": "3", "II类学分": "4.5"}
    assert any("省级I类还差 7 分，II类还差 10.5 分，总学分还差 17.5 分" in e.value for e in at.error)
    assert "待审学分" in texts(at) and "II类 9 分" in texts(at)
    notices = notice_table(at)
    assert list(notices.columns) == ["通知标题", "发送者", "发布时间", "通知级别", "活动主题", "举办开始日期", "举办结束日期", "状态"]
    assert list(notices["通知标题"]) == ["全省学分审核通知"]


def test_standards_setup_preview_and_duplicate(world):
    at = page("app_pages/personal/standards_setup.py", "pageuser1")
    # the institution's level is preselected and no lower level is offered
    assert at.selectbox(key="std_level").value == "市州级/二级及以下医院"
    assert at.selectbox(key="std_level").options == ["省级/三级医院", "市州级/二级及以下医院"]
    at.selectbox(key="std_year").set_value(2016)
    at.selectbox(key="std_level").set_value("市州级/二级及以下医院")
    at.selectbox(key="std_title").set_value("技师系列 - 副主任技师(副高)").run()
    shown = {t.label: t.value for t in at.text_input}
    assert shown["执行标准 *"].startswith("SCJA4")
    assert (shown["国家级一类 * [分/6年]"], shown["省级一类 * [分/1年]"], shown["省级二类 * [分/1年]"]) == ("0", "10", "15")
    at.button(key="std_save").click().run()
    assert "2016年度学分标准已保存" in texts(at)
    at.selectbox(key="std_year").set_value(2016)
    at.selectbox(key="std_level").set_value("省级/三级医院")
    at.selectbox(key="std_title").set_value("无职称").run()
    at.button(key="std_save").click().run()
    assert "该年度已设置学分标准" in texts(at)


def test_standards_query_masks_id(world):
    at = page("app_pages/personal/standards_query.py", "pageuser1")
    person = at.dataframe[0].value
    assert person.iloc[0]["学分执行标准"] == "SCJA4" and "*" in person.iloc[0]["身份证号"]
    assert len(at.dataframe[1].value) == 10


def test_credit_new_validation_then_save(world):
    at = page("app_pages/personal/credits.py", "pageuser1")
    at.button(key="cl_new").click().run()
    at.button(key="cf_save").click().run()
    err = texts(at)
    for label in ("项目编号", "获取学分", "学分类型", "获取时间", "学分获取形式", "项目名称", "主办单位", "举办年度", "学科分类"):
        assert f"**{label}**" in err, label
    fill_credit_form(at, project_code="NEW-1", credits="2.5", credit_type="II类", date_from=date(Y, 1, 5),
                     date_to=date(Y, 1, 6), form="讲座", year=Y, project_name="院内讲座", organizer="测试医院",
                     subject_parent="药学", subject_child="药理学")
    at.button(key="cf_save").click().run()
    assert "学分信息已保存，状态为【待审】" in texts(at)
    assert listed_credit(at, "NEW-1")["状态"] == "待审"


def test_approved_credit_cannot_be_deleted_from_page(world):
    at = page("app_pages/personal/credits.py", "pageuser1")
    pick_credit(at, "A1")
    at.button(key="cl_delete").click().run()
    assert "只有待审状态的学分记录才可以修改或删除" in texts(at)
    assert "A1" in list(at.dataframe[0].value["项目编号"])


def test_delete_asks_first_and_cancel_keeps_the_record(world):
    at = page("app_pages/personal/credits.py", "pageuser1")
    label = next(o for o in at.selectbox(key="cl_pick").options if "A3" in o)  # the 待审 one
    at.selectbox(key="cl_pick").set_value(label).run()
    at.button(key="cl_delete").click().run()
    assert "确定删除学分记录“待审项目”（A3）？删除后不能恢复。" in texts(at)
    assert "A3" in list(at.dataframe[0].value["项目编号"])  # nothing removed by the first click
    at.button(key="cl_delete_cancel").click().run()
    assert "A3" in list(at.dataframe[0].value["项目编号"]) and "确定删除" not in texts(at)
    at.button(key="cl_delete").click().run()
    at.button(key="cl_delete_confirm").click().run()
    assert "已删除学分记录：待审项目" in texts(at) and "A3" not in list(at.dataframe[0].value["项目编号"])


def test_what_is_typed_in_the_credit_form_survives_f5_until_saved(world):
    at = page("app_pages/personal/credits.py", "pageuser1")
    at.button(key="cl_new").click().run()
    fill_credit_form(at, project_code="F5-1", project_name="刷新前填写的项目（未保存）", date_from=date(Y, 3, 2), year=Y)
    at.run()
    again = page("app_pages/personal/credits.py", "pageuser1")  # F5: a new browser session of the same login
    assert "已恢复上次未保存的填写内容（证明材料需重新上传）" in texts(again)
    assert again.text_input(key="cf_project_code").value == "F5-1"
    assert again.text_input(key="cf_project_name").value == "刷新前填写的项目（未保存）"
    assert again.date_input(key="cf_date_from").value == date(Y, 3, 2) and again.selectbox(key="cf_year").value == Y
    fill_credit_form(again, credits="2", credit_type="II类", date_to=date(Y, 3, 2), form="学习班", organizer="主办",
                     subject_parent="药学", subject_child="药理学")
    again.button(key="cf_save").click().run()
    assert "学分信息已保存，状态为【待审】" in texts(again)
    fresh = page("app_pages/personal/credits.py", "pageuser1")  # saved: nothing to restore
    assert "已恢复" not in texts(fresh) and not any(ti.key == "cf_project_code" for ti in fresh.text_input)


def test_view_shows_fields_and_trail(world):
    at = page("app_pages/personal/credits.py", "pageuser1")
    pick_credit(at, "A4")
    at.button(key="cl_view").click().run()
    t = texts(at)
    assert "**项目编号**：A4" in t and "**状态**：审核不过" in t


def test_search_filters_and_exports(world):
    at = page("app_pages/personal/credit_search.py", "pageuser1")
    assert len(at.dataframe[0].value) == 4
    at.selectbox(key="cs_status").set_value("审核通过").run()
    assert sorted(at.dataframe[0].value["项目编号"]) == ["A1", "A2"]
    assert "I类 3 分，II类 4.5 分" in texts(at)
    assert list(at.dataframe[0].value.columns[:2]) == ["状态", "审核意见"]
    assert "查看学分信息" not in [h.value for h in at.subheader]
    with session_scope() as s:
        ids = [r.id for r in search.search_credits(s, actor_of("pageuser1"), CreditFilter(status="审核通过"))]
    select_row(at, "cs_table", ids, 0)  # the row's box
    assert "查看学分信息" in [h.value for h in at.subheader]


def test_review_page_own_staff_only_and_reject_needs_reason(world):
    with session_scope() as s:
        entry.submit_credit(s, world, CreditInput("P-9", "2", "省级I类", date(Y, 2, 1), date(Y, 2, 1), "学习班", "带证明的项目",
                                                     "主办", Y, "药学", "药理学", "", Upload(png(), "proof.png")))
    foreign = page("app_pages/unit/credit_review.py", "pageadmin2")
    assert "没有待审核的学分记录" in texts(foreign)
    at = page("app_pages/unit/credit_review.py", "pageadmin1")
    table = at.dataframe[0].value
    assert len(table) == 2 and "待审 2 条" in texts(at)
    assert list(table.columns[:2]) == ["姓名", "项目名称"] and not any(b.label == "审核通过" for b in at.button)
    select_row(at, "review_table", queue_ids(), list(table["项目编号"]).index("P-9"))  # the row's box in the table
    assert "**项目编号**：P\\-9" in texts(at)  # 查看 of the chosen row
    assert len(at.get("image")) == 1  # the proof preview
    reject = next(b for b in at.button if b.label == "审核不过")
    reject.click().run()
    assert "审核意见：审核不通过时必须填写原因" in texts(at)
    at.button(key=f"review_approve_{_id_of()}").click().run()
    assert "审核通过" in texts(at) and "待审 1 条" in texts(at)


def queue_ids(keyword: str = "") -> list[int]:
    with session_scope() as s:
        return [q.id for q in review.review_queue(s, actor_of("pageadmin1"), limit=review.QUEUE_PAGE, keyword=keyword)]


def actor_of(username: str):
    from sqlalchemy import select

    from cme.core.actors import actor_from_user
    from cme.models import User

    with session_scope() as s:
        return actor_from_user(s.scalars(select(User).where(User.username == username)).one())


def select_row(at, key: str, ids: list[int], *rows: int) -> None:
    """What a click on the rows' boxes sends (AppTest cannot click the grid)."""
    at.session_state[table_key(key, ids)] = {"selection": {"rows": list(rows), "columns": []}}
    at.run()


def test_review_queue_select_all_approves_every_shown_record_and_a_filter_narrows(world):
    with session_scope() as s:
        entry.submit_credit(s, world, CreditInput("P-7", "1", "II类", date(Y, 2, 1), date(Y, 2, 1), "学习班", "另一个项目",
                                                     "主办", Y, "药学", "药理学", "", None))
    at = page("app_pages/unit/credit_review.py", "pageadmin1")
    assert len(at.dataframe[0].value) == 2
    at.text_input(key="review_keyword").input("P-7").run()
    assert list(at.dataframe[0].value["项目编号"]) == ["P-7"]
    at.checkbox(key="review_table_all").check().run()
    assert "**项目编号**：P\\-7" in texts(at)  # one row chosen (all of one): its 查看 opens
    batch = at.button(key="review_batch")
    assert batch.label == "批量审核通过（已选 1 条）"
    at.text_input(key="review_keyword").input("").run()
    assert not at.checkbox(key="review_table_all").value  # 全选 was for the narrowed list, not this one
    assert at.button(key="review_batch").disabled
    at.checkbox(key="review_table_all").check().run()
    assert at.button(key="review_batch").label == "批量审核通过（已选 2 条）"
    at.button(key="review_batch").click().run()
    assert "已审核通过 2 条学分记录" in texts(at) and "没有待审核的学分记录" in texts(at)


def _id_of() -> int:
    with session_scope() as s:
        from sqlalchemy import select

        from cme.models import CreditRecord

        return s.scalars(select(CreditRecord.id).where(CreditRecord.project_code == "P-9")).one()


def test_unit_home_and_notices_pages(world):
    at = page("app_pages/unit/home.py", "pageadmin1")
    assert {m.label: m.value for m in at.metric}["学分待审"] == "1"
    at = page("app_pages/unit/notices.py", "pageadmin1")
    at.text_input[0].input("科室业务学习")
    next(b for b in at.button if b.label == "发布").click().run()
    assert "通知“科室业务学习”已发布" in texts(at)
    home = page("app_pages/personal/home.py", "pageuser1")
    assert "科室业务学习" in list(notice_table(home)["通知标题"])
    at.selectbox(key="notice_pick").set_value(at.selectbox(key="notice_pick").options[0]).run()
    at.button(key="notice_withdraw").click().run()
    assert "已撤回" in texts(at)
    home = page("app_pages/personal/home.py", "pageuser1")
    assert "暂无数据" in texts(home) or "科室业务学习" not in list(notice_table(home)["通知标题"])


def test_home_banner_lists_rejections_and_resubmit_opens_the_form_prefilled(world):
    from cme.models import CreditRecord

    with session_scope() as s:
        rec = s.query(CreditRecord).filter_by(project_code="A4").one()
        rec.reject_reason, rec.reviewed_at = "学分与证书不符", clock.utcnow()
        rejected_id = rec.id
    at = page("app_pages/personal/home.py", "pageuser1")
    banner = at.error[0].value
    assert "有 1 条学分登记审核不过" in banner
    assert "审核意见：学分与证书不符" in texts(at) and "A4" in texts(at)
    assert "审核不过 1" in texts(at)  # the badge
    assert at.button(key=f"home_resubmit_{rejected_id}").label == "重新登记"
    # 重新登记 opens 个人学分登记审核 with its form pre-filled from the rejected record
    form = at.button(key=f"home_resubmit_{rejected_id}").click().run()
    assert not form.exception, form.exception
    assert form.text_input(key="cf_project_code").value == "A4"
    assert form.text_input(key="cf_credits").value == "7"
    assert form.selectbox(key="cf_credit_type").value == "省级I类"
    assert "请按审核意见（学分与证书不符）修改后保存" in texts(form)
    form.text_input(key="cf_credits").input("6")
    form.button(key="cf_save").click()
    form.switch_page("app_pages/personal/credits.py").run()  # AppTest reruns its first page unless told
    assert "学分信息已保存，状态为【待审】" in texts(form)
    assert "条学分登记审核不过" not in texts(page("app_pages/personal/home.py", "pageuser1"))  # the banner is gone


def test_home_history_table_and_empty_state(world):
    at = page("app_pages/personal/home.py", "pageuser1")
    history = next(df.value for df in at.dataframe if "结论" in df.value.columns)
    assert list(history.columns[:3]) == ["年度", "结论", "还差"]
    assert history.iloc[0]["年度"] == Y and history.iloc[0]["结论"] == "未达标"
    with session_scope() as s:
        make_person(s, make_institution(s), "pagenewbie")
    fresh = page("app_pages/personal/home.py", "pagenewbie")
    assert not fresh.get("plotly_chart")
    assert "暂无数据：尚未设置学分标准，也没有学分记录" in texts(fresh)


def test_person_cannot_open_admin_pages(world):
    at = page("app_pages/unit/credit_review.py", "pageuser1")
    assert "无权访问该页面" in texts(at)


def test_edit_pending_credit_prefills_and_saves(world):
    at = page("app_pages/personal/credits.py", "pageuser1")
    pick_credit(at, "A3")
    at.button(key="cl_edit").click().run()
    assert at.text_input(key="cf_project_name").value == "待审项目" and at.text_input(key="cf_credits").value == "9"
    at.text_input(key="cf_credits").input("6.5")
    at.button(key="cf_save").click().run()
    assert "学分信息已修改" in texts(at)
    assert listed_credit(at, "A3")["学分"] == "6.5"


def test_a_new_person_meets_empty_states_not_empty_charts_or_tables(sqlite_db):
    """暂无数据 in words where a new user has nothing yet: no chart with a −1…1 axis, no table of headers."""
    with session_scope() as s:
        me = make_person(s, make_institution(s))
    home = page("app_pages/personal/home.py", me.username)
    assert not home.get("plotly_chart") and not home.dataframe
    shown = [i.value for i in home.info]
    assert "暂无数据：尚未设置学分标准，也没有学分记录" in shown and "暂无通知" in shown
    assert any(v.startswith("暂无数据：设置个人学分标准后") for v in shown)
    credits = page("app_pages/personal/credits.py", me.username)
    assert not credits.dataframe and "暂无学分记录，点击【新增】登记学分" in [i.value for i in credits.info]
    search = page("app_pages/personal/credit_search.py", me.username)
    assert not search.dataframe and "暂无数据" in [i.value for i in search.info]
