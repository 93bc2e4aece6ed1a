"""Pure rules of the technical profile: validation with date checks, and the 变更详情 diff."""
from __future__ import annotations

from datetime import date

import pytest

from cme.domain import profile_fields as pf
from cme.errors import ValidationError

TODAY = date(2026, 3, 1)
OPTIONS = {"性别": ["男", "女"], "婚姻状况": ["未婚", "已婚"], "学历": ["大学本科"], "学位": ["学士"], "所学专业": ["临床医学"]}


def test_basic_fields_cover_fig30_plus_title():
    labels = [f.label for f in pf.BASIC_FIELDS]
    for label in ("姓名", "性别", "出生日期", "民族", "婚姻状况", "执业医师证号", "是否参加继续教育", "技术职称", "所属市州"):
        assert label in labels
    assert pf.BASIC_BY_LABEL["最高学历"].source == "学历"
    assert pf.BASIC_BY_LABEL["技术职称"].source == pf.TITLES
    assert set(pf.FIRST_LOGIN_FIELDS) <= set(labels)
    assert pf.TABS == ("个人基本信息", "个人教育经历", "个人培训经历", "个人论文论著", "个人工作经历", "个人获奖情况")


def test_validate_basic_dates_and_options():
    with pytest.raises(ValidationError) as e:
        pf.validate_basic({"姓名": "张三", "性别": "未知", "出生日期": "1990-01-01", "毕业时间": "1989-07-01",
                           "参加工作时间": "2027-01-01", "邮政编码": "61004", "电子邮箱": "x@"}, OPTIONS, TODAY)
    assert e.value.errors == {"性别": "请从列表中选择", "毕业时间": "不能早于出生日期", "参加工作时间": "不能晚于今天",
                              "邮政编码": "应为6位数字", "电子邮箱": "格式不正确"}
    clean = pf.validate_basic({"姓名": " 张三 ", "性别": "男", "出生日期": date(1990, 1, 1), "毕业时间": "2012/7/1"}, OPTIONS, TODAY)
    assert clean == {"姓名": "张三", "性别": "男", "出生日期": "1990-01-01", "毕业时间": "2012-07-01"}


def test_validate_entry_order_and_required():
    row = {"开始日期": "2008-09-01", "结束日期": "2012-07-01", "学校名称": "四川大学", "学历": "大学本科"}
    assert pf.validate_entry("education", row, OPTIONS, TODAY)["学校名称"] == "四川大学"
    with pytest.raises(ValidationError) as e:
        pf.validate_entry("education", dict(row, 结束日期="2008-01-01", 学校名称=""), OPTIONS, TODAY)
    assert e.value.errors == {"学校名称": "不能为空", "结束日期": "不能早于开始日期"}
    with pytest.raises(ValidationError) as e:
        pf.validate_entry("award", {"获奖日期": "not a date", "奖项名称": "x", "授奖单位": "y"}, OPTIONS, TODAY)
    assert "获奖日期" in e.value.errors


def test_diff_marks_exactly_the_changed_fields_and_lists():
    phone = {"enc": "a", "hash": "h1", "masked": "138****5678"}
    before = {"basic": {"姓名": "张三", "联系电话": phone}, "work": [{"开始日期": "2010-01-01", "工作单位": "甲"}]}
    after = {"basic": {"姓名": "张三", "婚姻状况": "已婚", "联系电话": dict(phone, enc="b")},
             "work": [{"开始日期": "2010-01-01", "工作单位": "甲"}],
             "award": [{"获奖日期": "2020-01-01", "奖项名称": "奖", "授奖单位": "省厅"}]}
    d = pf.diff_snapshots(before, after)
    assert d.changed_labels == ["婚姻状况", "个人获奖情况"]  # re-encrypted phone with the same hash is unchanged
    phone_row = next(c for c in d.basic if c.label == "联系电话")
    assert (phone_row.before, phone_row.after, phone_row.changed) == ("138****5678", "138****5678", False)
    award = next(p for p in d.parts if p.part == "award")
    assert (award.added, award.removed, award.before) == (1, 0, [])
    assert pf.diff_snapshots(after, after).changed_labels == []
