"""批量导入 of credits on a real database (both backends)."""
from __future__ import annotations

import csv
import io
import time
from datetime import date, datetime

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from cme import clock, crypto
from cme.core import verdicts
from cme.credits import details, import_file, imports
from cme.credits.imports import HEADERS
from cme.db import session_scope
from cme.errors import NotPermitted, ValidationError
from cme.models import AuditLog, CreditRecord, CreditReview, CreditSummary, User
from tests.factories import add_credit, make_cast, make_person

Y = clock.today().year - 1


def id_of(actor) -> str:
    with session_scope() as s:
        return crypto.decrypt(s.get(User, actor.id).id_number_enc)


def row(id_number: str, code: str = "IMP-001", **over) -> dict:
    base = {"身份证号": id_number, "项目编号": code, "项目名称": "肝脏超声造影专题学习班", "主办单位": "四川省人民医院",
            "学分": "3", "学分类型": "省级I类", "学分获取形式": "学术会议", "学科分类一级": "药学", "学科分类二级": "药理学",
            "举办年度": str(Y), "开始日期": f"{Y}-03-01", "结束日期": f"{Y}-03-02", "备注": ""}
    base.update(over)
    return base


def to_csv(rows: list[dict], *, bom: bool = True, headers=HEADERS) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(headers)
    for r in rows:
        w.writerow([r.get(h, "") for h in headers])
    return buf.getvalue().encode("utf-8-sig" if bom else "utf-8")


def to_xlsx(rows: list[list]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(HEADERS)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def count(model, *where) -> int:
    with session_scope() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def world(db):
    with session_scope() as s:
        cast = make_cast(s)
    return dict(a=cast["person_a"], b=cast["colleague_a"], stranger=cast["person_b"], admin=cast["admin_a"],
                other_admin=cast["admin_b"], province=cast["province"])


def run(actor, data: bytes, name: str = "学分.csv", **kw):
    with session_scope() as s:
        return imports.import_credits(s, actor, name, data, **kw)


def test_accepted_rows_become_approved_with_trail_summary_and_one_audit(world):
    a, b, admin = world["a"], world["b"], world["admin"]
    data = to_csv([row(id_of(a), "P1"), row(id_of(a), "P2", 学分="2.5", 学分类型="II类"), row(id_of(b), "P1")])
    report = run(admin, data)
    assert (report.rows, report.accepted, report.existing, report.refused_count, report.people) == (3, 3, 0, 0, 2)
    assert report.summary() == "共 3 行：导入成功 3 条，已存在 0 条（未重复导入），拒绝 0 条"
    with session_scope() as s:
        recs = s.scalars(select(CreditRecord).where(CreditRecord.user_id == a.id).order_by(CreditRecord.project_code)).all()
        assert [(r.project_code, r.status, r.source, str(r.credits)) for r in recs] == [
            ("P1", "approved", "批量导入", "3.0"), ("P2", "approved", "批量导入", "2.5")]
        assert recs[0].reviewed_by == admin.id
        d = details.get_credit(s, a, recs[0].id)
        assert [t.action for t in d.trail] == ["批量导入"] and d.source == "批量导入"
        summ = s.get(CreditSummary, (a.id, Y))
        assert (summ.provincial_i, summ.class_ii, summ.projects_i, summ.projects_ii) == (3, 2.5, 1, 1)
        logs = s.scalars(select(AuditLog).where(AuditLog.action == "credit.import")).all()
    assert len(logs) == 1 and logs[0].after == {"文件": "学分.csv", "行数": 3, "导入": 3, "已存在": 0, "拒绝": 0}
    assert count(CreditReview, CreditReview.action == "import") == 3


def test_reimporting_the_same_file_adds_nothing(world):
    a, admin = world["a"], world["admin"]
    data = to_csv([row(id_of(a), "P1"), row(id_of(a), "P2")])
    assert run(admin, data).accepted == 2
    again = run(admin, data)
    assert (again.accepted, again.existing, again.refused_count) == (0, 2, 0)
    assert count(CreditRecord) == 2


def test_same_row_twice_in_one_file_and_a_personal_record_count_as_existing(world):
    a, admin = world["a"], world["admin"]
    with session_scope() as s:
        add_credit(s, a, year=Y, credit_type="II类", credits="1", status="pending", code="OWN")
    data = to_csv([row(id_of(a), "P1"), row(id_of(a), "P1"), row(id_of(a), "OWN")])
    report = run(admin, data)
    assert (report.accepted, report.existing) == (1, 2)


def test_a_rejected_record_does_not_block_the_import(world):
    a, admin = world["a"], world["admin"]
    with session_scope() as s:
        add_credit(s, a, year=Y, credit_type="II类", credits="1", status="rejected", code="P1")
    assert run(admin, to_csv([row(id_of(a), "P1")])).accepted == 1


def test_every_bad_row_is_reported_with_its_row_number_and_column(world):
    a, admin = world["a"], world["admin"]
    good = row(id_of(a), "OK")
    bad = [
        row("510104198506151235", "B1"),  # check digit wrong
        row(id_of(a), "B2", 学分="0"),
        row(id_of(a), "B3", 学分类型="III类"),
        row(id_of(a), "B4", 开始日期="2024-13-01"),
        row(id_of(a), "B5", 开始日期=f"{Y}-03-05", 结束日期=f"{Y}-03-01"),
        row(id_of(a), "B6", 学科分类二级="不存在的学科"),
        row(id_of(a), "B7", 举办年度=str(Y - 3)),
        row(id_of(a), "", 项目名称=""),
        row(id_of(a), "B9", 学分获取形式="旅游"),
        row(id_of(a), "B10", 结束日期=f"{clock.today().year + 1}-01-01"),
    ]
    report = run(admin, to_csv([good] + bad))
    assert (report.accepted, report.refused_count) == (1, 10)
    by_row = {r.row: r.reason for r in report.refused}
    assert sorted(by_row) == list(range(3, 13))  # header is row 1, the good row is row 2
    assert by_row[3] == "身份证号：校验位不正确，请核对"
    assert by_row[4] == "学分：应大于0"
    assert by_row[5] == "学分类型：不在可选范围内"
    assert by_row[6] == "开始日期：不是有效的日期"
    assert by_row[7] == "开始日期：开始日期不能晚于结束日期"
    assert by_row[8] == "学科分类二级：二级学科不属于所选一级学科"
    assert by_row[9] == "举办年度：应与获取时间的年份一致"
    assert by_row[10] == "项目编号：不能为空；项目名称：不能为空"
    assert by_row[11] == "学分获取形式：不在可选范围内"
    assert by_row[12] == "结束日期：结束日期不能晚于今天"
    assert report.refused[0].id_number == "510104********1235"  # masked in the report
    assert count(CreditRecord) == 1


def test_unit_admin_only_imports_own_staff_province_anyone(world):
    a, stranger = world["a"], world["stranger"]
    data = to_csv([row(id_of(stranger), "X1"), row(id_of(a), "X2")])
    report = run(world["admin"], data)
    assert report.accepted == 1 and report.refused[0].reason == "身份证号：本机构无此人员"
    # an unknown number reads the same: no probing of other institutions
    unknown = run(world["admin"], to_csv([row("11010519491231002X", "X3")]))
    assert unknown.refused[0].reason == "身份证号：本机构无此人员"
    assert run(world["province"], data).accepted == 1  # stranger's now; a's X2 already present
    with session_scope() as s:
        assert s.scalar(select(CreditRecord.source).where(CreditRecord.user_id == stranger.id)) == "批量导入"


def test_persons_cannot_import(world):
    with pytest.raises(NotPermitted):
        run(world["a"], to_csv([row(id_of(world["a"]))]))
    assert count(CreditRecord) == 0


def test_summaries_recomputed_set_based_for_touched_person_years(world, monkeypatch):
    a, b = world["a"], world["b"]
    calls = []
    real = imports.upsert_totals
    monkeypatch.setattr(imports, "upsert_totals", lambda s, pairs: calls.append(sorted(pairs)) or real(s, pairs))
    rows = [row(id_of(a), f"P{i}") for i in range(5)] + [row(id_of(b), f"P{i}") for i in range(3)]
    run(world["admin"], to_csv(rows))
    assert calls == [sorted([(a.id, Y), (b.id, Y)])]  # one call for the whole import
    with session_scope() as s:
        assert s.get(CreditSummary, (a.id, Y)).provincial_i == 15 and s.get(CreditSummary, (b.id, Y)).projects_i == 3
        assert verdicts.differences(s) == []


def test_progress_is_reported_per_chunk(world, monkeypatch):
    monkeypatch.setattr(imports, "CHUNK", 2)
    seen = []
    with session_scope() as s:
        imports.import_credits(s, world["admin"], "x.csv", to_csv([row(id_of(world["a"]), f"P{i}") for i in range(5)]),
                               progress=lambda done, expected: seen.append((done, expected)))
    assert seen == [(2, 5), (4, 5), (5, 5)]


@pytest.mark.parametrize("data, message", [
    (b"", "文件为空"),
    (b"x" * (50 * 1024 * 1024 + 1), "文件超过50MB"),
    ("身份证号,项目编号\n1,2\n".encode(), "缺少列：项目名称"),
    (to_csv([], headers=HEADERS + ["序号"]), "无法识别的列：序号"),
    ("身份证号".encode("gbk") + b"\xff\xfe,\n", "不是 UTF-8 编码"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "不支持旧版 Excel"),
    (b"PK\x03\x04 broken zip", "无法读取该 XLSX"),
    (to_csv([]), "没有数据行"),
], ids=["empty", "over-50mb", "missing-columns", "unknown-column", "not-utf8", "old-xls", "broken-xlsx", "no-rows"])
def test_malformed_files_are_refused_whole(world, data, message):
    with pytest.raises(ValidationError) as e:
        run(world["admin"], data)
    assert message in str(e.value) and "导入文件" in e.value.errors
    assert count(AuditLog, AuditLog.action == "credit.import") == 0


def test_too_many_rows_refused_and_nothing_saved(world, monkeypatch):
    monkeypatch.setattr(import_file, "MAX_ROWS", 3)
    rows = [row(id_of(world["a"]), f"P{i}") for i in range(4)]
    with pytest.raises(ValidationError, match="数据超过3行"):
        run(world["admin"], to_csv(rows))
    assert count(CreditRecord) == 0


def test_failure_while_saving_leaves_nothing_half_done(world, monkeypatch):
    def boom(*_a, **_k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(imports, "judge_people", boom)
    with pytest.raises(RuntimeError):
        run(world["admin"], to_csv([row(id_of(world["a"]), f"P{i}") for i in range(3)]))
    assert count(CreditRecord) == 0 and count(CreditReview) == 0


def test_dry_run_reports_but_saves_nothing(world):
    data = to_csv([row(id_of(world["a"]), "P1"), row(id_of(world["a"]), "P2", 学分="abc")])
    report = run(world["admin"], data, dry_run=True)
    assert (report.accepted, report.refused_count) == (1, 1) and report.summary().startswith("共 2 行：可导入 1 条")
    assert count(CreditRecord) == 0 and count(AuditLog, AuditLog.action == "credit.import") == 0


def test_csv_without_bom_and_xlsx_with_excel_dates_and_numbers(world):
    a, admin = world["a"], world["admin"]
    assert run(admin, to_csv([row(id_of(a), "NOBOM")], bom=False)).accepted == 1
    xlsx = to_xlsx([
        [id_of(a), "X1", "名称", "主办", 2.5, "II类", "讲座", "药学", "药理学", Y, datetime(Y, 5, 1), date(Y, 5, 2), None],
        [id_of(a), "X2", "名称", "主办", 1, "II类", "讲座", "药学", "药理学", float(Y),
         (date(Y, 6, 1) - date(1899, 12, 30)).days, f"{Y}/6/2", "备注"],
        [None] * 13,  # blank rows are skipped
        [id_of(a), "X3", "名称", "主办", 1.25, "II类", "讲座", "药学", "药理学", Y, f"{Y}-06-01", f"{Y}-06-01", None],
    ])
    report = run(admin, xlsx, "学分.xlsx")
    assert (report.rows, report.accepted, report.refused_count) == (3, 2, 1)
    assert report.refused[0].row == 5 and report.refused[0].reason == "学分：最多保留一位小数"
    with session_scope() as s:
        x2 = s.scalars(select(CreditRecord).where(CreditRecord.project_code == "X2")).one()
    assert (x2.date_from, x2.date_to, x2.remark) == (date(Y, 6, 1), date(Y, 6, 2), "备注")


def test_templates_carry_the_exact_headers():
    text = imports.template_csv().decode("utf-8")
    assert text.startswith("\ufeff") and next(csv.reader(io.StringIO(text.lstrip("\ufeff")))) == HEADERS
    wb = load_workbook(io.BytesIO(imports.template_xlsx()))
    assert [c.value for c in wb.worksheets[0][1]] == HEADERS and "填写说明" in wb.sheetnames


def test_template_filled_in_imports(world):
    wb = load_workbook(io.BytesIO(imports.template_xlsx()))
    wb.worksheets[0].append(list(row(id_of(world["a"]), "T1").values()))
    buf = io.BytesIO()
    wb.save(buf)
    assert run(world["admin"], buf.getvalue(), "t.xlsx").accepted == 1


def test_5000_rows_import_time(world, capsys):
    """SPEC §5 measure: 5000 rows for 50 staff in one import."""
    with session_scope() as s:
        from cme.models import Institution
        inst = s.get(Institution, s.get(User, world["admin"].id).institution_id)
        staff = [make_person(s, inst) for _ in range(48)] + [world["a"], world["b"]]
    ids = [id_of(p) for p in staff]
    rows = [row(ids[i % 50], f"BULK-{i // 50:04d}", 学分类型=("II类", "省级I类")[i % 2]) for i in range(5000)]
    data = to_csv(rows)
    started = time.perf_counter()
    report = run(world["admin"], data)
    elapsed = time.perf_counter() - started
    assert report.accepted == 5000 and count(CreditRecord) == 5000
    again = run(world["admin"], data)
    assert again.existing == 5000 and count(CreditRecord) == 5000
    with capsys.disabled():
        print(f"\n[import 5000 rows] {elapsed:.2f}s; re-import (all 已存在) {again.seconds:.2f}s")
