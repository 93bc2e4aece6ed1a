"""个人学分登记审核 and 学分审核 on a real database (both backends)."""
from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import select

from cme import clock
from cme.credits import details, entry, review, search
from cme.credits.entry import CreditInput
from cme.credits.search import CreditFilter
from cme.db import session_scope
from cme.errors import DuplicateCredit, NotPermitted, RecordLocked, ValidationError
from cme.models import AuditLog, CreditReview, CreditSummary, Project
from cme.storage import MAX_PROOF_BYTES, Upload
from tests.factories import make_cast, make_person, minimal_pdf, same_picture


def png_bytes() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (20, 10), "red").save(buf, "PNG")
    return buf.getvalue()


def form(**over) -> CreditInput:
    year = clock.today().year
    base = dict(project_code="17-01-09040386", credits="3", credit_type="省级I类", date_from=date(year, 1, 2),
                date_to=date(year, 1, 3), form="学术会议", project_name="肝脏超声造影专题学习班", organizer="四川省人民医院",
                year=year, subject_parent="药学", subject_child="药理学", remark="")
    base.update(over)
    return CreditInput(**base)


@pytest.fixture
def people(db):
    with session_scope() as s:
        cast = make_cast(s)
    return dict(me=cast["person_a"], colleague=cast["colleague_a"], admin=cast["admin_a"], foreign_admin=cast["admin_b"],
                province=cast["province"])


def summary(user_id: int, year: int) -> CreditSummary:
    with session_scope() as s:
        return s.get(CreditSummary, (user_id, year))


def test_submit_starts_pending_with_proof_and_trail(people):
    me = people["me"]
    with session_scope() as s:
        cid = entry.submit_credit(s, me, form(proof=Upload(png_bytes(), "证明.png")))
    with session_scope() as s:
        d = details.get_credit(s, me, cid)
        data, mime, name = details.load_proof(s, me, cid)
    assert d.status_label == "待审" and d.editable
    assert d.fields()["学科分类"] == "药学 › 药理学" and d.fields()["获取学分"] == "3"
    assert [t.action for t in d.trail] == ["提交"]
    assert mime == "image/png" and name == "证明.png" and same_picture(data, png_bytes())
    s_ = summary(me.id, clock.today().year)
    assert s_.pending_i == Decimal("3") and s_.provincial_i == 0 and s_.projects_i == 0


def test_every_bad_field_is_named_and_nothing_saved(people):
    me = people["me"]
    tomorrow = clock.today() + timedelta(days=1)
    bad = form(project_code=" ", credits="0", credit_type=None, date_from=tomorrow, form="打麻将", project_name="",
               organizer="", year=2001, subject_parent="药学", subject_child="心脏病学")
    with pytest.raises(ValidationError) as e, session_scope() as s:
        entry.submit_credit(s, me, bad)
    assert set(e.value.errors) == {"项目编号", "获取学分", "学分类型", "获取时间", "学分获取形式", "项目名称",
                                   "主办单位", "举办年度", "学科分类"}
    assert e.value.errors["获取学分"] == "应大于0"
    with session_scope() as s:
        assert search.search_credits(s, me) == []


@pytest.mark.parametrize("over,field,message", [
    (dict(credits="2.25"), "获取学分", "最多保留一位小数"),
    (dict(credits="abc"), "获取学分", "应为数字"),
    (dict(date_from=date(2020, 5, 3), date_to=date(2020, 5, 1), year=2020), "获取时间", "开始日期不能晚于结束日期"),
    (dict(year=2019), "举办年度", "应与获取时间的年份一致"),
    (dict(subject_child=None), "学科分类", "请选择二级学科"),
], ids=["two-decimals", "not-a-number", "from-after-to", "year-mismatch", "no-child-subject"])
def test_field_rules(people, over, field, message):
    with pytest.raises(ValidationError) as e, session_scope() as s:
        entry.submit_credit(s, people["me"], form(**over))
    assert e.value.errors == {field: message}



def test_course_across_new_year_filed_under_end_year(people):
    with session_scope() as s:
        cid = entry.submit_credit(s, people["me"], form(date_from=date(2023, 12, 30), date_to=date(2024, 1, 2), year=2024))
        assert details.get_credit(s, people["me"], cid).year == 2024


@pytest.mark.parametrize("data,filename,message", [
    (b"GIF89a" + b"\0" * 50, "x.png", "只能上传JPEG、PNG图片或PDF文件"),
    (b"MZ\x90\0 not a picture", "photo.jpg", "只能上传JPEG、PNG图片或PDF文件"),
    (b"\x89PNG\r\n\x1a\n" + b"\0" * (MAX_PROOF_BYTES), "big.png", "文件不能超过5MB"),
    (b"%PDF-1.4 truncated", "a.pdf", "PDF文件不完整或已损坏"),
], ids=["gif", "exe-named-jpg", "over-5mb", "broken-pdf"])
def test_proof_checked_by_content(people, data, filename, message):
    with pytest.raises(ValidationError) as e, session_scope() as s:
        entry.submit_credit(s, people["me"], form(proof=Upload(data, filename)))
    assert e.value.errors == {"上传图片": message}


def test_pdf_and_jpeg_proofs_accepted(people):
    buf = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buf, "JPEG")
    with session_scope() as s:
        a = entry.submit_credit(s, people["me"], form(proof=Upload(buf.getvalue(), "a.jpg")))
        b = entry.submit_credit(s, people["me"], form(project_code="X2", proof=Upload(minimal_pdf(), "b.pdf")))
        assert details.load_proof(s, people["me"], a)[1] == "image/jpeg"
        assert details.load_proof(s, people["me"], b)[1] == "application/pdf"


def test_same_project_and_year_twice_refused_unless_rejected(people):
    me, admin = people["me"], people["admin"]
    with session_scope() as s:
        cid = entry.submit_credit(s, me, form())
    with pytest.raises(DuplicateCredit, match="该项目学分已登记"), session_scope() as s:
        entry.submit_credit(s, me, form(credits="1"))
    with session_scope() as s:  # another person may file the same project
        entry.submit_credit(s, people["colleague"], form())
        review.reject_credit(s, admin, cid, "证明不清晰")
    with session_scope() as s:  # rejected: may file again
        entry.submit_credit(s, me, form())


def test_only_owner_changes_and_only_while_pending(people):
    me, colleague, admin = people["me"], people["colleague"], people["admin"]
    with session_scope() as s:
        cid = entry.submit_credit(s, me, form())
    with pytest.raises(NotPermitted), session_scope() as s:
        entry.update_credit(s, colleague, cid, form(credits="9"))
    with pytest.raises(NotPermitted), session_scope() as s:
        entry.delete_credit(s, admin, cid)
    with session_scope() as s:
        review.approve_credit(s, admin, cid)
    for change in (lambda s: entry.update_credit(s, me, cid, form(credits="9")),
                   lambda s: entry.delete_credit(s, me, cid)):
        with pytest.raises(RecordLocked, match="只有待审状态的学分记录才可以修改或删除"), session_scope() as s:
            change(s)
    with session_scope() as s:
        d = details.get_credit(s, me, cid)
        assert d.credits == "3" and d.status_label == "审核通过" and not d.editable


def test_update_moving_year_refreshes_both_summaries(people):
    me = people["me"]
    this = clock.today().year
    with session_scope() as s:
        cid = entry.submit_credit(s, me, form(credit_type="II类"))
    with session_scope() as s:
        entry.update_credit(s, me, cid, form(credit_type="II类", credits="4.5", date_from=date(this - 1, 6, 1),
                                               date_to=date(this - 1, 6, 1), year=this - 1))
    assert summary(me.id, this).pending_ii == 0
    assert summary(me.id, this - 1).pending_ii == Decimal("4.5")
    with session_scope() as s:
        assert [t.action for t in details.get_credit(s, me, cid).trail] == ["提交", "修改"]
        entry.delete_credit(s, me, cid)
    assert summary(me.id, this - 1).pending_ii == 0
    with session_scope() as s:
        assert s.scalars(select(CreditReview).where(CreditReview.credit_id == cid)).all() == []
        actions = s.scalars(select(AuditLog.action).where(AuditLog.entity == "credit", AuditLog.entity_id == str(cid))
                            .order_by(AuditLog.id)).all()
        assert actions == ["credit.submit", "credit.update", "credit.delete"]


def test_review_approve_reject_and_scope(people):
    me, admin, foreign = people["me"], people["admin"], people["foreign_admin"]
    this = clock.today().year
    with session_scope() as s:
        a = entry.submit_credit(s, me, form(proof=Upload(png_bytes(), "p.png")))
        b = entry.submit_credit(s, me, form(project_code="B", credit_type="II类", credits="2.5"))
        c = entry.submit_credit(s, me, form(project_code="C", credit_type="国家级I类", credits="1"))
    with session_scope() as s:
        assert review.review_queue(s, foreign) == []
    for attempt in (lambda s: review.approve_credit(s, foreign, a), lambda s: details.get_credit(s, foreign, a),
                    lambda s: details.load_proof(s, foreign, a), lambda s: details.get_credit(s, people["colleague"], a),
                    lambda s: review.approve_credit(s, me, a)):
        with pytest.raises(NotPermitted), session_scope() as s:
            attempt(s)
    with session_scope() as s:
        queue = review.review_queue(s, admin)
        assert [q.id for q in queue] == [a, b, c] and queue[0].has_proof and queue[0].age_days == 0
        assert same_picture(details.load_proof(s, admin, a)[0], png_bytes())
    with pytest.raises(ValidationError, match="审核意见：审核不通过时必须填写原因"), session_scope() as s:
        review.reject_credit(s, admin, c, "  ")
    with session_scope() as s:
        assert review.approve_credits(s, admin, [a, b]) == 2
        review.reject_credit(s, admin, c, "非本人参加")
    with pytest.raises(RecordLocked), session_scope() as s:
        review.approve_credit(s, admin, c)
    sm = summary(me.id, this)
    assert (sm.provincial_i, sm.class_ii, sm.national_i, sm.projects_i, sm.projects_ii) == (3, Decimal("2.5"), 0, 1, 1)
    assert sm.pending_i == 0 and sm.pending_ii == 0
    with session_scope() as s:
        d = details.get_credit(s, me, c)
        assert d.status_label == "审核不过" and d.reject_reason == "非本人参加"
        assert [(t.action, t.reason) for t in d.trail] == [("提交", ""), ("审核不过", "非本人参加")]
        assert s.scalars(select(AuditLog.action).where(AuditLog.action.like("credit.%prove"))).all() == [
            "credit.approve", "credit.approve"]
        assert review.review_queue(s, admin) == []
        # the provincial admin sees everything
        assert details.get_credit(s, people["province"], a).status_label == "审核通过"


def test_batch_is_all_or_nothing(people):
    me, admin, other = people["me"], people["admin"], people["foreign_admin"]
    with session_scope() as s:
        inst_other = s.get(__import__("cme.models", fromlist=["Institution"]).Institution, other.institution_id)
        stranger = make_person(s, inst_other)
        a = entry.submit_credit(s, me, form())
        x = entry.submit_credit(s, stranger, form())
    with pytest.raises(NotPermitted), session_scope() as s:
        review.approve_credits(s, admin, [a, x])
    with session_scope() as s:
        assert details.get_credit(s, me, a).status_label == "待审"


def test_search_filters_scope_and_export(people):
    me, colleague, admin = people["me"], people["colleague"], people["admin"]
    this = clock.today().year
    with session_scope() as s:
        a = entry.submit_credit(s, me, form())
        entry.submit_credit(s, me, form(project_code="II-1", project_name="护理质量管理讲座", credit_type="II类", form="讲座"))
        entry.submit_credit(s, colleague, form())
        review.approve_credit(s, admin, a)
    with session_scope() as s:
        mine = search.search_credits(s, me)
        assert len(mine) == 2
        assert [r.project_code for r in search.search_credits(s, me, CreditFilter(status="审核通过"))] == ["17-01-09040386"]
        assert [r.project_code for r in search.search_credits(s, me, CreditFilter(project="护理"))] == ["II-1"]
        assert [r.project_code for r in search.search_credits(s, me, CreditFilter(credit_type="II类", form="讲座"))] == ["II-1"]
        assert search.search_credits(s, me, CreditFilter(year_from=this + 1)) == []
        assert len(search.search_credits(s, admin)) == 3
        assert search.search_credits(s, people["foreign_admin"]) == []
        # a person cannot widen the search to a colleague
        assert len(search.search_credits(s, me, CreditFilter(user_id=colleague.id))) == 2
    csv_text = search.export_csv(mine).decode("utf-8-sig")
    assert csv_text.splitlines()[0].startswith("学分获取人,项目编号,项目名称,获取学分")
    assert "护理质量管理讲座" in csv_text
    ws = load_workbook(io.BytesIO(search.export_xlsx(mine))).active
    assert ws["B1"].value == "项目编号" and ws.max_row == 3
    assert {ws.cell(r, 12).value for r in (2, 3)} == {"待审", "审核通过"}
    assert ws["D1"].value == "获取学分" and all(isinstance(ws.cell(r, 4).value, (int, float)) for r in (2, 3))
    assert ws["F1"].value == "举办年度" and {ws.cell(r, 6).value for r in (2, 3)} == {this}  # numbers, not text


def test_project_library_prefills(people):
    with session_scope() as s:
        s.add(Project(code="2017-45123", name="国家级项目", organizer="国家卫健委", year=2017, credit_type="国家级I类",
                      credits=Decimal("2"), form="学习班", subject_parent="药学", subject_child="药理学",
                      date_from=date(2017, 10, 17), date_to=date(2017, 10, 17)))
        s.flush()
        p = entry.project_prefill(s, " 2017-45123 ")
        assert (p.project_name, p.credit_type, p.credits, p.year) == ("国家级项目", "国家级I类", Decimal("2"), 2017)
        assert entry.project_prefill(s, "nope") is None
