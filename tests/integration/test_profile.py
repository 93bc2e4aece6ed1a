"""技术档案: first-login profile, reviewed changes, 变更详情, 简历 — on both databases."""
from __future__ import annotations

import io
from datetime import date

import pytest
from PIL import Image
from sqlalchemy import select

from cme.db import session_scope
from cme.errors import NotPermitted, RecordLocked, ValidationError
from cme.models import AuditLog, Profile, ProfileChangeRequest, ProfileEntry, User
from cme.profile import change_review, changes, resume
from tests.factories import make_admin, make_institution, make_person, same_picture

FIRST = {
    "姓名": "张三", "性别": "男", "出生日期": date(1985, 6, 15), "民族": "汉族", "政治面貌": "中共党员",
    "毕业学校": "四川大学", "所学专业": "临床医学", "通讯地址": "成都市武侯区国学巷37号", "联系电话": "13812345678",
    "最高学历": "大学本科", "最高学位": "学士", "行政职务": "无", "是否参加继续教育": "是",
}


@pytest.fixture
def world(db):
    with session_scope() as s:
        a, b = make_institution(s), make_institution(s)
        return {
            "person": make_person(s, a, profile_completed=False),
            "admin": make_admin(s, a),
            "other_admin": make_admin(s, b),
            "province": make_admin(s, None),
        }


def test_first_profile_makes_pending_request_and_completes(world):
    p = world["person"]
    with session_scope() as s:
        rid = changes.submit_first_profile(s, p, FIRST)
    with session_scope() as s:
        assert s.get(User, p.id).profile_completed is True
        req = s.get(ProfileChangeRequest, rid)
        user = s.get(User, p.id)
        assert req.status == "pending"
        # the account's own name, sex and birth date count as the profile in force
        assert req.before["basic"] == {"姓名": user.name, "性别": user.sex, "出生日期": user.birth_date.isoformat()}
        assert req.after["basic"]["所学专业"] == "临床医学"
        # the phone number is not readable in the stored snapshot
        assert "13812345678" not in str(req.after)
        assert req.after["basic"]["联系电话"]["masked"] == "138****5678"
        assert s.get(Profile, p.id) is None  # nothing in force before approval
        with pytest.raises(RecordLocked):
            changes.submit_first_profile(s, p, FIRST)


def test_first_profile_names_every_bad_field_and_saves_nothing(world):
    p = world["person"]
    bad = dict(FIRST, 民族="火星族", 联系电话="12345", 出生日期="2999-01-01")
    del bad["毕业学校"]
    with session_scope() as s, pytest.raises(ValidationError) as e:
        changes.submit_first_profile(s, p, bad)
    assert set(e.value.errors) == {"民族", "联系电话", "出生日期", "毕业学校"}
    assert e.value.errors["毕业学校"] == "不能为空"
    with session_scope() as s:
        assert s.scalars(select(ProfileChangeRequest)).first() is None
        assert s.get(User, p.id).profile_completed is False


def _approve_first(world):
    with session_scope() as s:
        rid = changes.submit_first_profile(s, world["person"], FIRST)
    with session_scope() as s:
        change_review.approve_change(s, world["admin"], rid)
    return rid


def test_edit_two_tabs_then_approve_applies_exactly_those(world):
    p, admin = world["person"], world["admin"]
    _approve_first(world)
    with session_scope() as s:
        state = changes.profile_state(s, p)
        assert state.pending_id is None and state.basic["联系电话"] == "13812345678"  # owner sees own number
        basic = dict(state.basic, 婚姻状况="已婚", 技术职称="技师系列 - 副主任技师(副高)")
        rid = changes.save_basic(s, p, basic)
    with session_scope() as s:
        rid2 = changes.save_entry(s, p, "education", {"开始日期": "2003-09-01", "结束日期": "2008-07-01", "学校名称": "四川大学",
                                                       "所学专业": "临床医学", "学历": "大学本科", "学位": "学士"})
        assert rid2 == rid  # the one pending request is updated
        assert s.scalar(select(ProfileChangeRequest.id).where(ProfileChangeRequest.status == "pending")) == rid
    with session_scope() as s:  # the approved profile is still in force
        assert "婚姻状况" not in s.get(Profile, p.id).basic
        assert s.scalars(select(ProfileEntry)).first() is None
        assert dict(resume.resume_content(s, p).basic)["婚姻状况"] == ""  # the resume shows approved values
        detail = change_review.change_detail(s, admin, rid)
        changed = detail.diff.changed_labels
        assert changed == ["婚姻状况", "技术职称", "个人教育经历"]
        row = next(c for c in detail.diff.basic if c.label == "婚姻状况")
        assert (row.before, row.after) == ("", "已婚")
        assert next(c for c in detail.diff.basic if c.label == "联系电话").after == "138****5678"
        assert [r.id for r in change_review.list_changes(s, admin)] == [rid]
        change_review.approve_change(s, admin, rid)
    with session_scope() as s:
        assert s.get(Profile, p.id).basic["婚姻状况"] == "已婚"
        entries = s.scalars(select(ProfileEntry).where(ProfileEntry.user_id == p.id)).all()
        assert [(e.part, e.data["学校名称"]) for e in entries] == [("education", "四川大学")]
        content = resume.resume_content(s, p)
        assert dict(content.basic)["技术职称"] == "技师系列 - 副主任技师(副高)"
        assert dict(content.basic)["联系电话"] == "138****5678"
        assert content.sections[0].rows[0][2] == "四川大学"
        assert s.scalar(select(AuditLog.action).where(AuditLog.action == "profile.approve").limit(1)) == "profile.approve"
        assert "13812345678" not in str([a.after for a in s.scalars(select(AuditLog))])
        # past requests keep their detail
        assert [r.status for r in change_review.list_changes(s, p, status=None)] == ["approved", "approved"]


def test_reject_keeps_old_and_person_can_edit_again(world):
    p, admin = world["person"], world["admin"]
    _approve_first(world)
    with session_scope() as s:
        rid = changes.save_basic(s, p, dict(changes.profile_state(s, p).basic, 姓名="李四"))
    with session_scope() as s, pytest.raises(ValidationError) as e:
        change_review.reject_change(s, admin, rid, "  ")
    assert "审核意见" in e.value.errors
    with session_scope() as s:
        change_review.reject_change(s, admin, rid, "姓名与身份证不符")
    with session_scope() as s:
        assert s.get(Profile, p.id).basic["姓名"] == "张三"
        state = changes.profile_state(s, p)
        assert state.pending_id is None and state.last_rejection == "姓名与身份证不符"
        assert state.basic["姓名"] == "张三"  # editing restarts from the approved profile
        with pytest.raises(RecordLocked):
            change_review.approve_change(s, admin, rid)
        new = changes.save_basic(s, p, dict(state.basic, 籍贯="成都市"))
        assert new != rid


def test_other_institution_admin_cannot_see_or_decide(world):
    with session_scope() as s:
        rid = changes.submit_first_profile(s, world["person"], FIRST)
    other = world["other_admin"]
    with session_scope() as s:
        assert change_review.list_changes(s, other) == []
        for call in (lambda: change_review.change_detail(s, other, rid), lambda: change_review.approve_change(s, other, rid),
                     lambda: change_review.reject_change(s, other, rid, "不行"),
                     lambda: resume.resume_content(s, other, world["person"].id)):
            with pytest.raises(NotPermitted):
                call()
    with session_scope() as s:  # the provincial admin may decide
        assert [r.id for r in change_review.list_changes(s, world["province"])] == [rid]
        change_review.approve_change(s, world["province"], rid)


def test_person_cannot_decide_or_see_another_person(world, db):
    with session_scope() as s:
        rid = changes.submit_first_profile(s, world["person"], FIRST)
        inst = s.get(User, world["person"].id).institution_id
        from cme.models import Institution
        other = make_person(s, s.get(Institution, inst))
    with session_scope() as s:
        with pytest.raises(NotPermitted):
            change_review.approve_change(s, world["person"], rid)
        with pytest.raises(NotPermitted):
            change_review.change_detail(s, other, rid)
        assert change_review.list_changes(s, other, status=None) == []


def test_entry_date_checks_and_delete(world):
    p = world["person"]
    _approve_first(world)
    with session_scope() as s, pytest.raises(ValidationError) as e:
        changes.save_entry(s, p, "work", {"开始日期": "2015-01-01", "结束日期": "2010-01-01", "工作单位": "某医院"})
    assert e.value.errors == {"结束日期": "不能早于开始日期"}
    with session_scope() as s:
        changes.save_entry(s, p, "work", {"开始日期": "2015-01-01", "结束日期": "", "工作单位": "甲医院"})
        changes.save_entry(s, p, "work", {"开始日期": "2008-01-01", "结束日期": "2014-12-31", "工作单位": "乙医院"})
        rows = changes.profile_state(s, p).parts["work"]
        assert [r["工作单位"] for r in rows] == ["甲医院", "乙医院"]  # newest first
        changes.delete_entry(s, p, "work", 1)
        assert [r["工作单位"] for r in changes.profile_state(s, p).parts["work"]] == ["甲医院"]


def _png(size=(40, 50)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 100, 50)).save(buf, "PNG")
    return buf.getvalue()


def test_photo_checked_by_content_and_reviewed(world):
    p, admin = world["person"], world["admin"]
    _approve_first(world)
    with session_scope() as s:
        with pytest.raises(ValidationError) as e:
            changes.upload_photo(s, p, b"GIF89a not really an image")
        assert "上传照片" in e.value.errors
        with pytest.raises(ValidationError) as e:
            changes.upload_photo(s, p, b"\x89PNG" + b"0" * (2 * 1024 * 1024))
        assert e.value.errors["上传照片"] == "照片不能超过2MB"
        rid = changes.upload_photo(s, p, _png())
    with session_scope() as s:
        assert same_picture(changes.load_photo(s, p), _png())
        assert changes.load_photo(s, p, approved=True) is None
        assert change_review.change_detail(s, admin, rid).diff.changed_labels == ["照片"]
        change_review.approve_change(s, admin, rid)
    with session_scope() as s:
        assert same_picture(changes.load_photo(s, admin, p.id, approved=True), _png())


def test_resume_pdf_has_sections_and_none_marks(world):
    _approve_first(world)
    from pypdf import PdfReader

    with session_scope() as s:
        data = resume.resume_pdf(s, world["person"])
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    for expected in ("个人简历表", "一、基本信息", "二、教育经历", "七、调动记录", "无", "张三", "四川大学", "138****5678"):
        assert expected in text
    assert "13812345678" not in text


def test_resume_fills_what_the_system_knows(world):
    """工作单位, 所属市州, 电子邮箱 and 技术职称 come from the institution, the registration and the latest
    personal standard when the profile leaves them empty; the admin's view shows the same."""
    from cme.models import Institution, Region
    from cme.standards import personal as standards

    _approve_first(world)
    p = world["person"]
    with session_scope() as s:
        user = s.get(User, p.id)
        user.email = "zhang@example.cn"
        inst = s.get(Institution, user.institution_id)
        district = s.get(Region, inst.region_code)
        city = s.get(Region, district.parent_code).name if district.level == "district" else district.name
        standards.add_personal_standard(s, p, standards.year_options()[-1], inst.region_level, "医师系列 - 主治医师(中级)")
    for viewer in (p, world["admin"]):
        with session_scope() as s:
            basic = dict(resume.resume_content(s, viewer, p.id).basic)
        assert (basic["工作单位"], basic["所属市州"], basic["电子邮箱"], basic["技术职称"]) == (
            inst.name, city, "zhang@example.cn", "主治医师")
