"""Audit actions: one naming style, every one with its Chinese label, and services record only those."""
from __future__ import annotations

import ast
import pathlib
import re

from cme.core.audit import ACTION_LABELS, action_label
from cme.domain.enums import AuditAction

ROOT = pathlib.Path(__file__).resolve().parents[2] / "cme"
STYLE = re.compile(r"^[a-z]+(_[a-z]+)*\.[a-z]+(_[a-z]+)*$")
# `<subject>.<verb>`: the verb (first word after the dot) in its base form, never a past tense or a noun
VERBS = {"activate", "add", "approve", "change", "close", "confirm", "create", "deactivate", "delete", "deny",
         "disable", "enable", "export", "fail", "import", "issue", "lock", "move", "open", "publish", "query",
         "reject", "remove", "rename", "request", "resubmit", "reset", "save", "send", "submit", "succeed",
         "update", "upload", "verify", "void", "withdraw", "wrap"}


def _recorded_actions() -> tuple[set[str], set[str]]:
    """What the code passes as an audit action: AuditAction members by name, and any raw string."""
    members, raw = set(), set()
    for path in ROOT.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", getattr(node.func, "id", None))
            args = node.args[2:3] if name == "record" else [k.value for k in node.keywords if k.arg == "action"] \
                if name == "AuditLog" else []
            for arg in args:
                for sub in ast.walk(arg):
                    if isinstance(sub, ast.Attribute) and getattr(sub.value, "id", None) == "AuditAction":
                        members.add(sub.attr)
                    elif isinstance(sub, ast.Constant) and isinstance(sub.value, str):
                        raw.add(sub.value)
    return members, raw


def test_every_action_has_a_chinese_label_and_no_other_label_exists():
    assert set(AuditAction) == set(ACTION_LABELS)
    assert all(label and not label.isascii() for label in ACTION_LABELS.values())
    assert action_label(AuditAction.CERTIFICATE_ISSUE) == "出具学分证明"
    assert action_label("some.thing_unknown") == "some.thing_unknown"  # an unknown row is shown as stored


def test_every_action_is_named_subject_dot_verb():
    bad = [a.value for a in AuditAction if not STYLE.match(a) or a.split(".")[1].split("_")[0] not in VERBS]
    assert bad == []
    assert all(a.name == a.value.upper().replace(".", "_") for a in AuditAction)


def test_services_record_only_enum_actions():
    members, raw = _recorded_actions()
    assert raw == set(), f"raw audit action strings: {sorted(raw)}"
    assert len(members) > 50 and members <= set(AuditAction.__members__)
