"""What people type or import: digits of other scripts, numbers that would crash Decimal, years out
of range, free text kept as typed, exports that never carry a live formula, oversized sheets."""
from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from cme.credits.entry import parse_credits
from cme.credits.imports import HEADERS, MAX_COLUMNS, MAX_ROWS, read_table
from cme.domain.identity import check_phone, check_text, parse_id_number
from cme.domain.inputs import clean_text, parse_amount, parse_year
from cme.errors import ValidationError
from cme.reports.tables import csv_bytes, xlsx_bytes

ID = "11010519491231002X"
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def test_full_width_digits_are_folded_but_other_scripts_digits_are_refused():
    assert parse_id_number(ID.translate(FULL_WIDTH)).number == ID
    assert check_phone("１３８００１３８０００") == "13800138000"
    with pytest.raises(ValueError, match="18位"):
        parse_id_number(ID.translate(ARABIC_INDIC))
    with pytest.raises(ValueError, match="11位"):
        check_phone("13800138000".translate(ARABIC_INDIC))
    with pytest.raises(ValueError, match="11位"):
        check_phone("१३८००१३८०००")  # Devanagari


@pytest.mark.parametrize("raw,message", [
    ("1e30", "应为数字"), ("NaN", "应为数字"), ("Infinity", "应为数字"), ("-inf", "应为数字"), ("sNaN", "应为数字"),
    (1e30, "应为数字"), (float("nan"), "应为数字"), (Decimal("1E+30"), "不能超过100分"), ("9" * 40, "不能超过100分"),
    ("٥", "应为数字"), ("0", "应大于0"), ("-1", "应大于0"), ("1.25", "最多保留一位小数"), ("", "不能为空"),
])
def test_credits_are_parsed_with_bounds_before_any_decimal_operation(raw, message):
    with pytest.raises(ValueError, match=message):
        parse_credits(raw)


def test_credits_accept_what_people_type():
    assert parse_credits("２.５") == Decimal("2.5")
    assert parse_credits(2.5) == Decimal("2.5")
    assert parse_credits("3.0") == Decimal("3.0")
    assert parse_amount("0", maximum=Decimal("1000"), allow_zero=True) == Decimal("0.0")


@pytest.mark.parametrize("raw,message", [
    ("0001", "应在2000至2026年之间"), (2999, "应在2000至2026年之间"), ("٢٠٢٤", "应为四位年份"),
    ("20 24", "应为四位年份"), ("", "不能为空"), (True, "应为四位年份"),
])
def test_years_are_four_ascii_digits_in_range(raw, message):
    with pytest.raises(ValueError, match=message):
        parse_year(raw, last=2026)
    assert parse_year("２０２４", last=2026) == 2024


def test_free_text_keeps_full_width_punctuation_and_loses_control_characters():
    assert check_text("学术会议（第１期）：急诊", max_len=50) == "学术会议（第１期）：急诊"
    assert clean_text("张\x00三\x1b\u202e") == "张三"
    assert clean_text("第一行\r\n第二行\t完", multiline=True) == "第一行\n第二行 完"
    assert clean_text("第一行\n第二行") == "第一行第二行"


FORMULAS = ['=HYPERLINK("http://evil.example","点我")', "+1+1", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1"]


def test_csv_export_escapes_formula_cells():
    data = csv_bytes([["项目名称", "学分"], *[[f, 2] for f in FORMULAS], ["普通项目", -1]])
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    for row in rows[1:-1]:
        assert row[0].startswith("'"), row
    assert rows[-1] == ["普通项目", "-1"]  # a number stays a number


def test_xlsx_export_has_no_formula_cell_and_survives_control_characters():
    data = xlsx_bytes([["姓名", "项目名称"], *[["张\x1b三", f] for f in FORMULAS]], title="学分信息")
    ws = load_workbook(io.BytesIO(data)).active
    cells = [c for row in ws.iter_rows(min_row=2) for c in row]
    assert all(c.data_type == "s" for c in cells)
    assert {c.value for c in cells if c.column == 1} == {"张三"}
    assert ws["B2"].value == FORMULAS[0] and ws["B2"].quotePrefix  # shown as typed, kept as text on edit


def _xlsx(build) -> bytes:
    wb = Workbook()
    build(wb.active)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_a_tiny_xlsx_declaring_a_huge_range_is_refused_at_once():
    data = _xlsx(lambda ws: (ws.append(["身份证号"]), ws.cell(row=1048576, column=16384, value="x")))
    assert len(data) < 10_000
    # refused from the declared range, before a single row is expanded (it used to take > 25 s)
    with pytest.raises(ValidationError, match=f"工作表范围超过{MAX_ROWS}行"):
        read_table("bomb.xlsx", data)


def test_a_sheet_without_a_declared_range_is_still_read_only_up_to_the_caps(monkeypatch):
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    monkeypatch.setattr(ReadOnlyWorksheet, "max_row", property(lambda self: None))
    monkeypatch.setattr(ReadOnlyWorksheet, "max_column", property(lambda self: None))
    data = _xlsx(lambda ws: (ws.append(["身份证号"]), ws.cell(row=1048576, column=16384, value="x")))
    with pytest.raises(ValidationError, match="表头不正确"):  # the far cell is never reached
        read_table("bomb.xlsx", data)


def test_a_too_wide_sheet_is_refused():
    data = _xlsx(lambda ws: ws.append(["x"] * (MAX_COLUMNS + 1)))
    with pytest.raises(ValidationError, match=f"超过{MAX_COLUMNS}列"):
        read_table("wide.xlsx", data)


def test_a_csv_with_an_oversized_field_is_refused_not_crashed():
    data = (",".join(HEADERS) + "\n" + '"' + "x" * 200_000 + '",1\n').encode()
    with pytest.raises(ValidationError, match="CSV 文件格式不正确"):
        read_table("big.csv", data)
