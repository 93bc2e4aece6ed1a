"""审计日志's field-by-field view: every key a service records has a Chinese name, stored codes are
shown by their names, and nothing is shown as JSON."""
from __future__ import annotations

import ast
from pathlib import Path

from cme.core.audit import ACTION_LABELS
from cme.core.audit_changes import ENTITY_LABELS, FIELD_LABELS, NONE, field_changes, show_value

CME = Path(__file__).resolve().parents[2] / "cme"


def _recorded():
    """(action, entity, keys of the before/after dict literals) of every audit.record(...) call in cme/."""
    for path in CME.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) == "record" \
                    and len(node.args) >= 4 and isinstance(node.args[3], ast.Constant):
                keys = [k.value for kw in node.keywords if kw.arg in ("before", "after")
                        for d in ast.walk(kw.value) if isinstance(d, ast.Dict)
                        for k in d.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)]
                yield path.relative_to(CME), node.args[3].value, keys


def test_every_recorded_entity_and_english_key_has_a_chinese_name():
    found = list(_recorded())
    assert len(found) > 40  # the scan does see the services' calls
    missing = {(str(p), e) for p, e, _ in found if e not in ENTITY_LABELS}
    missing |= {(str(p), k) for p, _, keys in found for k in keys if k.isascii() and k not in FIELD_LABELS}
    assert missing == set()


def test_actions_have_chinese_names():
    assert all(not label.isascii() for label in ACTION_LABELS.values())


def test_a_change_is_one_row_per_field_with_names_not_codes():
    rows = field_changes("user", {"status": "pending"}, {"status": "rejected", "reason": "信息不符", "username": "d1"})
    assert [(r.field, r.before, r.after) for r in rows] == [
        ("状态", "单位待审", "单位审核不过"), ("原因", NONE, "信息不符"), ("用户名", NONE, "d1")]
    assert [r.changed for r in rows] == [True, True, True]
    assert [(r.field, r.before, r.after) for r in field_changes("certificate", {"status": "genuine"}, {"status": "voided"})] \
        == [("状态", "有效", "已作废")]
    assert field_changes("department", None, None) == []


def test_values_read_as_words():
    assert show_value("institution", "active", True) == "是" and show_value("institution", "active", False) == "否"
    assert show_value("profile_change", "lists", ["学历", "工作经历"]) == "学历、工作经历"
    assert show_value("user", "role", "unit") == "单位管理员"
    assert show_value("certificate", "kind", "class1") == "合成I类学分证明"
    assert show_value("credit", "项目编号", "") == NONE and show_value("credit", "学分", 2) == "2"
