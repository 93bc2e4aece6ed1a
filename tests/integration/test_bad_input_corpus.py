"""A bad-input corpus driven through every form's service and every importer (issue 10).

Each value, put in each field in turn (every other field valid), must give either
* a domain error whose message names the field, with nothing saved, or
* success, with the value stored literally (as typed, minus control characters and surrounding
  whitespace) and shown literally (ui.forms.literal) — never as markdown or a live formula.
A crash is any other exception. The run prints `corpus: N tried, 0 crashed, 0 live formulas,
0 rendered as markup`.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import delete, func, select, update

from cme import clock
from cme.accounts import legacy, registration
from cme.administration import departments, dictionaries, institutions, notices
from cme.analytics import service as analytics
from cme.certificates import service as certificates
from cme.credits import entry, imports, projects, review, search
from cme.credits.entry import CreditInput
from cme.credits.projects import ProjectInput
from cme.db import session_scope
from cme.domain.inputs import clean_text
from cme.errors import DomainError
from cme.models import (
    CreditRecord,
    CreditStandard,
    CreditSummary,
    Department,
    DictionaryItem,
    Institution,
    Notice,
    PersonalStandard,
    ProfileChangeRequest,
    Project,
    User,
)
from cme.profile import changes
from cme.standards import personal as personal_standards
from cme.standards import table as standards_table
from tests.apptest import shown
from tests.factories import add_credit, make_admin, make_institution, make_person, valid_id_number
from tests.integration.test_dictionaries_admin import restore_dictionaries, snapshot_dictionaries
from tests.integration.test_profile import FIRST
from tests.integration.test_registration import form as registration_form
from tests.integration.test_registration import verified_ticket
from ui.forms import literal

THIS_YEAR = clock.today().year
ID = valid_id_number(7000)

CORPUS: dict[str, object] = {
    "empty": "",
    "whitespace": " \t\u3000 ",
    "10k characters": "长" * 10_000,
    "emoji": "😀👩‍⚕️",
    "RTL override": "\u202e名字abc\u202c",
    "NUL": "张\x00三",
    "SQL": "'; DROP TABLE users;--",
    "HTML": "<script>alert(1)</script><img src=x onerror=alert(1)>",
    "markdown": "[点我](http://evil.example) ![x](http://evil.example/a.png) **粗** :smile:",
    "full-width digits": "５１０１０４",
    "Arabic-Indic digits": "٥١٠١٠٤١٩٩٠٠٣٠٧١٢٣٤",
    "full-width ID": ID.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")),
    "Arabic-Indic ID": ID.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")),
    "1e30": "1e30",
    "NaN": "NaN",
    "Infinity": "Infinity",
    "year 0001": "0001",
    "year 2999": "2999",
    "formula": '=HYPERLINK("http://evil.example","点我")',
    "formula +": "+1+1",
    "formula @": "@SUM(A1:A9)",
    "formula -": "-2+3",
}
_MARKDOWN_ACTIVE = re.compile(r"(?<!\\)[*_\[\]<>`#|~]|https?://|www\.|:[a-z_]+:")
_SAVED = (User, CreditRecord, Project, Institution, Department, Notice, CreditStandard, PersonalStandard,
          DictionaryItem, ProfileChangeRequest)


@dataclass
class Tally:
    tried: int = 0
    crashed: list[str] = field(default_factory=list)
    unnamed: list[str] = field(default_factory=list)
    saved_on_refusal: list[str] = field(default_factory=list)
    not_literal: list[str] = field(default_factory=list)
    markup: list[str] = field(default_factory=list)
    formulas: int = 0
    counts: tuple[int, ...] = ()

    def displayed(self, where: str, value: str) -> None:
        escaped = literal(value)
        if shown(escaped) != value or _MARKDOWN_ACTIVE.search(escaped.replace("\u2060", "\u2060 ")):
            self.markup.append(f"{where}: {value[:40]!r}")


def _counts(s) -> tuple[int, ...]:
    return tuple(s.scalar(select(func.count()).select_from(m)) for m in _SAVED)


def attempt(t: Tally, where: str, label: str, value: object, call, stored=None) -> None:
    """Run `call(session, value)` in its own unit of work and judge the outcome."""
    t.tried += 1
    try:
        with session_scope() as s:
            result = call(s, value)
    except DomainError as e:
        if label not in str(e):
            t.unnamed.append(f"{where} ← {value!r:.40}: {e}")
        with session_scope() as s:
            if _counts(s) != t.counts:
                t.saved_on_refusal.append(f"{where} ← {value!r:.40}")
        return
    except Exception as e:  # noqa: BLE001 - the corpus counts crashes instead of stopping at one
        t.crashed.append(f"{where} ← {value!r:.40}: {type(e).__name__}: {e}"[:300])
        with session_scope() as s:
            t.counts = _counts(s)
        return
    with session_scope() as s:
        t.counts = _counts(s)
    if stored is not None and isinstance(value, str):
        with session_scope() as s:
            got = stored(s, result)
        if isinstance(got, str):
            if got not in (clean_text(value), clean_text(value, multiline=True)) and label not in _FOLDED:
                t.not_literal.append(f"{where} ← {value!r:.40}: stored {got!r:.40}")
            t.displayed(where, got)


# fields whose value is an identifier or a number: stored folded (full-width → ASCII), not literally
_FOLDED = {"用户名", "身份证号", "电子邮箱", "获取学分", "学分", "举办年度", "年度", "生效年度", "编码", "机构编码",
           "联系电话", "邮政编码", "出生日期", "毕业时间", "参加工作时间"}


@pytest.fixture
def world(db, monkeypatch):
    # bcrypt at cost 12 for every accepted registration would only slow the corpus down
    monkeypatch.setattr(registration, "hash_password", lambda p: "$2b$12$" + "x" * 53)
    dictionaries_before = snapshot_dictionaries()
    with session_scope() as s:
        standards_before = set(s.scalars(select(CreditStandard.id)))
        inst = make_institution(s, code="SCCORP")
        other = make_institution(s)
        world = dict(inst=inst.id, dept=s.scalars(select(Department.id).where(Department.institution_id == inst.id)).first(),
                     other=other.id, person=make_person(s, inst), admin=make_admin(s, inst), province=make_admin(s, None))
    yield world
    # dictionary items and standards are reference data the fixtures keep between tests: undo the corpus's
    restore_dictionaries(dictionaries_before)
    with session_scope() as s:
        added = [i for i in s.scalars(select(CreditStandard.id)) if i not in standards_before]
        s.execute(delete(PersonalStandard).where(PersonalStandard.standard_id.in_(added)))
        s.execute(update(CreditSummary).where(CreditSummary.standard_id.in_(added)).values(standard_id=None))  # stored verdicts
        s.execute(delete(CreditStandard).where(CreditStandard.id.in_(added)))


def credit_form(**over) -> CreditInput:
    base = dict(project_code="CORPUS-1", credits="2", credit_type="省级I类", date_from=date(THIS_YEAR, 1, 2),
                date_to=date(THIS_YEAR, 1, 3), form="学术会议", project_name="急诊学习班", organizer="四川大学华西医院",
                year=THIS_YEAR, subject_parent="药学", subject_child="药理学", remark="")
    base.update(over)
    return CreditInput(**base)


def forms(w) -> list[tuple[str, str, object, object]]:
    """(where, label, call(session, value), stored(session, result) or None) for every form field."""
    person, admin, province = w["person"], w["admin"], w["province"]
    out = []
    n = iter(range(10_000, 99_999))

    def reg(attr, label):
        def call(s, v):
            k = next(n)
            over = {"username": f"corp{k}", "id_number": valid_id_number(k), attr: v}
            return registration.register(s, f"137{k:08d}", TICKETS[f"137{k:08d}"], registration_form(w["inst"], w["dept"], **over))
        return (f"个人注册.{label}", label, call, lambda s, uid: getattr(s.get(User, uid), attr, None))

    for attr, label in (("username", "用户名"), ("name", "真实姓名"), ("id_number", "身份证号"), ("email", "电子邮箱"),
                        ("joins_cme", "参加继教"), ("standard_basis", "学分达标遵照")):
        out.append(reg(attr, label))
    out.append(("个人注册.手机号码", "手机号码", lambda s, v: registration.send_register_code(s, v), None))

    def credit(attr, label):
        def call(s, v):
            code = f"C{next(n)}"
            over = {"project_code": code, attr: v} if attr != "project_code" else {attr: v}
            return entry.submit_credit(s, person, credit_form(**over))
        return (f"学分登记.{label}", label, call, lambda s, cid: getattr(s.get(CreditRecord, cid), attr))

    for attr, label in (("project_code", "项目编号"), ("credits", "获取学分"), ("credit_type", "学分类型"), ("form", "学分获取形式"),
                        ("project_name", "项目名称"), ("organizer", "主办单位"), ("year", "举办年度"), ("subject_parent", "学科分类"),
                        ("remark", "备注说明")):
        out.append(credit(attr, label))

    def reject(s, v):
        cid = add_credit(s, person, year=THIS_YEAR, credits="1", credit_type="II类", status="pending").id
        review.reject_credit(s, admin, cid, v)
        return cid
    out.append(("学分审核.审核意见", "审核意见", reject, lambda s, cid: s.get(CreditRecord, cid).reject_reason))

    for label in ("姓名", "出生地", "籍贯", "通讯地址", "邮政编码", "联系电话", "电子邮箱", "毕业学校", "毕业时间", "工作单位",
                  "执业医师证号", "出生日期"):
        out.append((f"档案.{label}", label, lambda s, v, label=label: changes.save_basic(s, person, dict(FIRST, **{label: v})),
                    lambda s, rid, label=label: s.get(ProfileChangeRequest, rid).after["basic"].get(label)))

    def project(attr, label):
        def call(s, v):
            over = dict(code=f"P{next(n)}", name="项目", organizer="主办", year=THIS_YEAR, credit_type="II类", credits="2",
                        form="学术会议", subject_parent="药学", subject_child="药理学", date_from=date(THIS_YEAR, 1, 2),
                        date_to=date(THIS_YEAR, 1, 3))
            over[attr] = v
            return projects.add_project(s, province, ProjectInput(**over))
        return (f"项目库.{label}", label, call, lambda s, pid: getattr(s.get(Project, pid), attr))

    for attr, label in (("code", "项目编号"), ("name", "项目名称"), ("organizer", "主办单位"), ("year", "举办年度"), ("credits", "学分")):
        out.append(project(attr, label))

    out.append(("机构管理.机构名称", "机构名称", lambda s, v: institutions.add_institution(
        s, province, code=f"SC{next(n)}", name=v, region_code="510104", region_level="县级"),
        lambda s, iid: s.get(Institution, iid).name))
    out.append(("机构管理.机构编码", "机构编码", lambda s, v: institutions.add_institution(
        s, province, code=v, name=f"机构{next(n)}", region_code="510104", region_level="县级"), None))
    out.append(("科室管理.科室名称", "科室名称", lambda s, v: departments.add_department(s, admin, v),
                lambda s, did: s.get(Department, did).name))
    for key, label in (("title", "通知标题"), ("theme", "活动主题"), ("body", "通知内容")):
        def notice(s, v, key=key):
            values = {"title": f"通知{next(n)}", key: v}
            return notices.create_notice(s, admin, **values)
        out.append((f"通知公告.{label}", label, notice, lambda s, nid, key=key: getattr(s.get(Notice, nid), key)))
    out.append(("字典管理.名称", "名称", lambda s, v: dictionaries.add_item(s, province, "学分获取形式", v),
                lambda s, iid: s.get(DictionaryItem, iid).name))

    def standard(attr, label):
        def call(s, v):
            over = dict(code=f"SCJA{next(n) % 900 + 11}", name="新标准", effective_year=THIS_YEAR, national_i_per_cycle="0",
                        cycle_years=6, provincial_i_per_year="5", class_ii_per_year="20", total_per_year="25",
                        region_level="县级", title_level="中级")
            over[attr] = v
            return standards_table.add_standard_version(s, province, standards_table.StandardInput(**over))
        return (f"学分标准.{label}", label, call, lambda s, sid: getattr(s.get(CreditStandard, sid), attr))

    for attr, label in (("code", "编码"), ("name", "名称"), ("effective_year", "生效年度"), ("total_per_year", "合计/年")):
        out.append(standard(attr, label))
    out.append(("个人学分标准.年度", "年度", lambda s, v: personal_standards.add_personal_standard(
        s, person, v, "县级", "技师系列 - 技师(中级)"), None))
    out.append(("学分证明.起始年度", "起始年度", lambda s, v: certificates.check_request("combined", v, THIS_YEAR), None))
    return out


TICKETS: dict[str, str] = {}


def test_every_form_refuses_or_keeps_each_bad_value_literally(world, capsys, record_property):
    t = Tally()
    all_forms = forms(world)
    registrations = sum(1 for f in all_forms if f[0].startswith("个人注册.") and f[0] != "个人注册.手机号码")
    for k in range(10_000, 10_000 + registrations * len(CORPUS) + 10):  # phones verified up front, as step 1 does
        TICKETS[f"137{k:08d}"] = verified_ticket(f"137{k:08d}")
    with session_scope() as s:
        t.counts = _counts(s)
    for where, label, call, stored in all_forms:
        for value in CORPUS.values():
            attempt(t, where, label, value, call, stored)
    importers(t, world)
    t.formulas += live_formulas(world)
    report(t, capsys, record_property)


def importers(t: Tally, w) -> None:
    """Every column of the credit import (CSV and XLSX) and of the legacy users CSV."""
    with session_scope() as s:
        person_id = s.get(User, w["person"].id)
        id_number = valid_id_number(int(person_id.username.removeprefix("user")))
    base = {"身份证号": id_number, "项目编号": "IMP", "项目名称": "导入项目", "主办单位": "主办单位", "学分": "2",
            "学分类型": "II类", "学分获取形式": "学术会议", "学科分类一级": "药学", "学科分类二级": "药理学",
            "举办年度": str(THIS_YEAR), "开始日期": f"{THIS_YEAR}-01-02", "结束日期": f"{THIS_YEAR}-01-03", "备注": ""}
    for fmt in ("csv", "xlsx"):
        for column in imports.HEADERS:
            rows = []
            for k, value in enumerate(CORPUS.values()):
                row = dict(base, 项目编号=f"IMP-{fmt}-{column}-{k}")
                row[column] = value
                rows.append([row[h] for h in imports.HEADERS])
            data = _csv([imports.HEADERS, *rows]) if fmt == "csv" else _xlsx([imports.HEADERS, *rows])
            _judge_file(t, f"学分导入{fmt}.{column}", column, len(rows), lambda s, d=data, f=fmt: imports.import_credits(
                s, w["admin"], f"corpus.{f}", d), lambda r: [(x.row, x.reason) for x in r.refused])
    for column in legacy.USER_COLUMNS:
        rows = []
        for value in CORPUS.values():
            n = 50_000 + len(rows) + 100 * legacy.USER_COLUMNS.index(column)
            row = {"username": f"old{n}", "password_hash": "0" * 32, "password_scheme": "md5", "name": "旧用户",
                   "id_number": valid_id_number(n), "phone": "", "institution_code": "SCCORP", "department": ""}
            row[column] = value
            rows.append([row[c] for c in legacy.USER_COLUMNS])
        data = _csv([legacy.USER_COLUMNS, *rows])
        _judge_file(t, f"旧平台用户.{column}", column, len(rows), lambda s, d=data: legacy.import_legacy_users(s, d),
                    lambda r: [(x.line, x.reason) for x in r.refused])


def _judge_file(t: Tally, where: str, column: str, rows: int, call, refused) -> None:
    t.tried += rows
    try:
        with session_scope() as s:
            report = call(s)
    except DomainError as e:
        if "文件" not in str(e):
            t.unnamed.append(f"{where}: {e}")
        return
    except Exception as e:  # noqa: BLE001
        t.crashed.append(f"{where}: {type(e).__name__}: {e}"[:300])
        return
    for line, reason in refused(report):
        if column not in reason and not (column in ("开始日期", "结束日期", "举办年度") and "年" in reason):
            t.unnamed.append(f"{where} row {line}: {reason}")
        t.displayed(where, reason)


def live_formulas(w) -> int:
    """Formula cells in every export a user can download after the corpus ran."""
    with session_scope() as s:
        rows = search.search_credits(s, w["admin"])
        staff = analytics.staff_compliance(s, w["admin"], THIS_YEAR)
        files = [search.export_csv(rows), search.export_xlsx(rows), analytics.export_csv(staff), analytics.export_xlsx(staff)]
    count = 0
    for data in files:
        if data[:2] == b"PK":
            ws = load_workbook(io.BytesIO(data)).active
            count += sum(1 for row in ws.iter_rows() for c in row if c.data_type == "f")
        else:
            for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))):
                count += sum(1 for cell in row if cell[:1] in ("=", "+", "-", "@", "\t", "\r") and not _number(cell))
    return count


def _number(cell: str) -> bool:
    return bool(re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", cell))


def _csv(table) -> bytes:
    buf = io.StringIO()
    csv.writer(buf).writerows(table)
    return buf.getvalue().encode("utf-8-sig")


def _xlsx(table) -> bytes:
    wb = Workbook()
    for line in table:
        wb.active.append([v.replace("\x00", "") if isinstance(v, str) else v for v in line])  # XLSX cannot hold NUL
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def report(t: Tally, capsys, record_property) -> None:
    line = (f"corpus: {t.tried} tried, {len(t.crashed)} crashed, {t.formulas} live formulas, "
            f"{len(t.markup)} rendered as markup")
    record_property("corpus", line)  # printed in the run's summary (tests/conftest.py), also under xdist
    with capsys.disabled():
        print("\n" + line)
    problems = {"crashed": t.crashed, "refused without naming the field": t.unnamed,
                "saved although refused": t.saved_on_refusal, "stored differently from what was typed": t.not_literal,
                "rendered as markup": t.markup}
    detail = "\n".join(f"{k}:\n  " + "\n  ".join(v[:15]) for k, v in problems.items() if v)
    assert not detail and t.formulas == 0, line + "\n" + detail
