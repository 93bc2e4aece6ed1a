"""PDF of the 个人简历表 (SPEC §7, manual §7.1.2 fig. 31), from plain dataclasses.

Layout (A4 portrait): title ``个人简历表``; ``一、基本信息`` as a bordered grid of four columns
(label | value | label | value), filled in the order of ``ResumeContent.basic`` - long values and
the addresses take a whole row; then one section per ``ResumeContent.sections`` entry, numbered
``二、`` ``三、`` …, each a bordered table with its headers, or a single cell ``无`` when it has no
rows; ``第 N 页 / 共 M 页`` on every page.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fpdf.enums import VAlign, WrapMode
from fpdf.fonts import FontFace

from cme.reports.fonts import FONT_FAMILY, PagedPDF, has_bold, listing_table, new_pdf

TITLE = "个人简历表"
BASIC_TITLE = "基本信息"
EMPTY = "无"

#: The fields of 一、基本信息 in the order of manual fig. 31.
BASIC_LABELS = (
    "姓名", "性别", "出生日期", "民族", "婚姻状况", "籍贯", "工作性质", "政治面貌",
    "参加工作时间", "工作单位", "证件类型", "证件号码", "通讯地址", "所属市州", "出生地",
    "家庭住址", "邮政编码", "联系电话", "电子邮箱", "行政职务", "技术职称", "最高学历",
    "最高学位", "外语语种", "外语等级", "所学专业", "执业科目", "毕业学校", "毕业时间",
    "是否执业医师", "执业医师证号",
)
#: The sections after 基本信息, in the order of fig. 31 (numbered 二 … 七 when rendered).
SECTION_TITLES = ("教育经历", "培训经历", "工作经历", "获奖情况", "论文论著信息", "调动记录")
#: Basic fields always given a whole row.
WIDE_LABELS = frozenset({"通讯地址", "家庭住址"})

_NUMERALS = "一二三四五六七八九十"
_LABEL_W, _VALUE_W = 28.0, 62.0  # mm; 2 x (28 + 62) = 180 = A4 width - 2 x 15 mm
_WIDTH = 2 * (_LABEL_W + _VALUE_W)
_LABEL_FILL = (240, 242, 246)
_HEAD_FILL = (226, 232, 240)


@dataclass(frozen=True)
class ResumeSection:
    title: str  # e.g. "教育经历"; numbered automatically unless it already starts "二、"
    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)


@dataclass(frozen=True)
class ResumeContent:
    basic: list[tuple[str, str]]  # (label, value) in fig. 31 order, see BASIC_LABELS
    sections: list[ResumeSection] = field(default_factory=list)


def _numbered(index: int, title: str) -> str:
    if len(title) >= 2 and title[0] in _NUMERALS and title[1] == "、":
        return title
    prefix = _NUMERALS[index] if index < len(_NUMERALS) else str(index + 1)
    return f"{prefix}、{title}"


class _ResumePDF(PagedPDF):
    pass


def _section_title(pdf: _ResumePDF, text: str) -> None:
    if pdf.get_y() > pdf.h - pdf.b_margin - 22:
        pdf.add_page()
    pdf.set_font(FONT_FAMILY, "B" if has_bold() else "", 11)
    pdf.set_fill_color(*_HEAD_FILL)
    pdf.cell(_WIDTH, 8, text, border=1, fill=True, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_fill_color(255)  # fpdf2 tables take the current fill colour as their cells' default


def _basic_rows(pdf: _ResumePDF, basic: list[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    """Pack the (label, value) pairs two per row; wide ones get a row of their own."""
    pdf.set_font(FONT_FAMILY, "", 9.5)
    rows: list[list[tuple[str, str]]] = []
    current: list[tuple[str, str]] = []
    for label, value in basic:
        value = "" if value is None else str(value)
        wide = label in WIDE_LABELS or pdf.get_string_width(value) > _VALUE_W - 3
        if wide:
            if current:
                rows.append(current)
                current = []
            rows.append([(label, value)])
            continue
        current.append((label, value))
        if len(current) == 2:
            rows.append(current)
            current = []
    if current:
        rows.append(current)
    return rows


def _basic_grid(pdf: _ResumePDF, basic: list[tuple[str, str]]) -> None:
    rows = _basic_rows(pdf, basic)
    if not rows:
        _empty(pdf)
        return
    label_style = FontFace(fill_color=_LABEL_FILL)
    pdf.set_font(FONT_FAMILY, "", 9.5)
    with pdf.table(
        col_widths=(_LABEL_W, _VALUE_W, _LABEL_W, _VALUE_W),
        width=_WIDTH,
        align="LEFT",
        first_row_as_headings=False,
        text_align="LEFT",
        v_align=VAlign.M,
        line_height=5,
        padding=(1.3, 1.8),
        wrapmode=WrapMode.CHAR,
    ) as table:
        for pairs in rows:
            row = table.row()
            if len(pairs) == 1 and (pairs[0][0] in WIDE_LABELS
                                    or pdf.get_string_width(pairs[0][1]) > _VALUE_W - 3):
                label, value = pairs[0]
                row.cell(label, style=label_style)
                row.cell(value, colspan=3)
                continue
            for label, value in pairs:
                row.cell(label, style=label_style)
                row.cell(value)
            if len(pairs) == 1:
                row.cell("", style=label_style)
                row.cell("")


def _col_widths(pdf: _ResumePDF, headers: list[str], rows: list[list[str]]) -> list[float]:
    weights = []
    for j, head in enumerate(headers):
        texts = [head] + [r[j] for r in rows if j < len(r)]
        widest = max(pdf.get_string_width(str(t)) for t in texts) + 4
        weights.append(min(max(widest, 18.0), 80.0))
    total = sum(weights)
    return [w * _WIDTH / total for w in weights]


def _empty(pdf: _ResumePDF) -> None:
    pdf.set_font(FONT_FAMILY, "", 9.5)
    pdf.cell(_WIDTH, 8, EMPTY, border=1, align="L", new_x="LMARGIN", new_y="NEXT")


def _section_table(pdf: _ResumePDF, section: ResumeSection) -> None:
    rows = [list(map(lambda v: "" if v is None else str(v), r)) for r in section.rows]
    headers = [str(h) for h in section.headers]
    if not rows:
        _empty(pdf)
        return
    if not headers:
        headers = [""] * max(len(r) for r in rows)
    n = len(headers)
    rows = [(r + [""] * n)[:n] for r in rows]
    pdf.set_font(FONT_FAMILY, "", 9)
    with listing_table(pdf, headers, heading_fill=_LABEL_FILL, col_widths=_col_widths(pdf, headers, rows), width=_WIDTH,
                       text_align="LEFT", line_height=4.8, wrapmode=WrapMode.CHAR) as table:
        for r in rows:
            row = table.row()
            for value in r:
                row.cell(value)


def render_resume(content: ResumeContent) -> bytes:
    """Render ``content`` as an A4 PDF and return its bytes."""
    pdf = new_pdf(_ResumePDF)
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(True, margin=18)
    pdf.set_title(TITLE)
    pdf.set_creator("四川省继续医学教育行政管理平台")
    pdf.add_page()
    pdf.set_font(FONT_FAMILY, "B" if has_bold() else "", 18)
    pdf.cell(0, 12, TITLE, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)

    _section_title(pdf, _numbered(0, BASIC_TITLE))
    _basic_grid(pdf, content.basic)
    for i, section in enumerate(content.sections, start=1):
        pdf.ln(3)
        _section_title(pdf, _numbered(i, section.title))
        _section_table(pdf, section)
    return bytes(pdf.output())
