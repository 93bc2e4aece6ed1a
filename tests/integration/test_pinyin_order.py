"""Departments and institutions are listed by pinyin (安 … 中), as a reader looks them up (both backends)."""
from __future__ import annotations

from cme.administration import departments, institutions
from cme.core import reference
from cme.db import session_scope
from cme.domain.chinese_order import by_pinyin
from tests.factories import make_admin, make_institution

# code-point order would be 中医科 儿科 心内科 耳鼻喉科 重症医学科 骨科: by reading it is
BY_READING = ["儿科", "耳鼻喉科", "骨科", "心内科", "中医科", "重症医学科"]


def test_pinyin_order_of_names():
    assert sorted(BY_READING) != BY_READING  # the case where code points and readings disagree
    assert by_pinyin(reversed(BY_READING)) == BY_READING
    assert by_pinyin(["长期护理科", "安宁疗护科", "ICU"]) == ["安宁疗护科", "长期护理科", "ICU"]


def test_department_lists_follow_pinyin(db):
    with session_scope() as s:
        inst = make_institution(s, departments=tuple(reversed(BY_READING)))
        admin = make_admin(s, inst)
    with session_scope() as s:
        offered = [name for _, name in reference.departments(s, inst.id)]
        managed = [r.name for r in departments.list_departments(s, admin)]
    assert offered == BY_READING and managed == BY_READING


def test_deactivated_departments_come_last_each_part_by_pinyin(db):
    with session_scope() as s:
        inst = make_institution(s, departments=tuple(reversed(BY_READING)))
        admin = make_admin(s, inst)
        ids = dict((n, i) for i, n in reference.departments(s, inst.id))
    with session_scope() as s:
        departments.set_department_active(s, admin, ids["儿科"], False)
    with session_scope() as s:
        managed = [r.name for r in departments.list_departments(s, admin)]
    assert managed == BY_READING[1:] + ["儿科"]


def test_institutions_follow_pinyin(db):
    names = ["中江县人民医院", "安岳县人民医院", "广元市中心医院"]
    with session_scope() as s:
        made = [make_institution(s) for _ in names]
        for inst, name in zip(made, names, strict=True):
            inst.name = name
        province = make_admin(s)
    with session_scope() as s:
        listed = [r.name for r in institutions.list_institutions(s, province) if r.name in names]
        offered = [o.name for o in reference.institutions(s) if o.name in names]
    assert listed == offered == ["安岳县人民医院", "广元市中心医院", "中江县人民医院"]
