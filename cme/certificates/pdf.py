"""PDF of a 四川省继续医学教育学分证明 (SPEC §6, manual §6.4 fig. 27), from plain dataclasses.

Layout, top to bottom (A4 portrait):

* the title line ``四川省继续医学教育学分证明（I类、II类综合）`` (the kind in brackets), large, centred;
* ``兹 <单位> <职称> <姓名> 于 Y1 至 Y2 年期间完成继续医学教育情况如下:``;
* for every year of ``content.years`` (years without credits included) a bordered table
  ``项目编号 | 项目名称 | 学分 | 学分种类 | 参加时间`` whose last row, spanning all columns, is the
  yearly sentence (:func:`year_sentence`), as in fig. 27. Long names wrap; when a table breaks
  across pages its header row is repeated;
* the closing block: on the right ``认证机构:``, ``四川省继续医学教育行政管理平台提供信息`` and the
  date ``YYYY年MM月DD日``; on the left a QR code of ``verify_url`` with ``证书编号``, ``内容校验码``
  (first 16 hex digits of the content hash) and ``扫码或访问证书验证页面核验`` + the URL;
* on every page ``第 N 页 / 共 M 页``.

Which lines belong to which kind of certificate is decided by the caller; this module only lays
them out and words the yearly sentence. Rendering is deterministic: the same arguments give the
same bytes (the PDF creation date is ``issued_on``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from io import BytesIO

from fpdf.enums import TableCellFillMode, WrapMode

from cme.domain.enums import CertificateKind
from cme.labels import CERTIFICATE_KIND
from cme.reports.fonts import FONT_FAMILY, PagedPDF, has_bold, listing_table, new_pdf
from cme.reports.qr import qr_png

KINDS = tuple(k.value for k in CertificateKind)
KIND_TITLES = CERTIFICATE_KIND  # the title printed is the kind's label
# the kind as the title line names it: a certificate of only II类 credits must not pass for a full one
KIND_SHORT = {CertificateKind.COMBINED: "I类、II类综合", CertificateKind.CLASS1: "I类", CertificateKind.CLASS2: "II类"}
TITLE = "四川省继续医学教育学分证明"
HEADERS = ("项目编号", "项目名称", "学分", "学分种类", "参加时间")
PLATFORM_LINE = "四川省继续医学教育行政管理平台提供信息"
QR_CAPTION = "扫码或访问证书验证页面核验"

_CHINA_TZ = timezone(timedelta(hours=8))
_COL_WIDTHS = (30, 70, 13, 21, 46)  # mm, sum = 180 = A4 width - 2 x 15 mm margins
_MARGIN = 15.0


@dataclass(frozen=True)
class CertificateLine:
    project_code: str
    project_name: str
    credits: Decimal
    credit_type: str  # label shown as is: "国家级I类" / "省级I类" / "II类"
    date_from: date
    date_to: date


@dataclass(frozen=True)
class CertificateYear:
    year: int
    lines: list[CertificateLine] = field(default_factory=list)
    national_i: Decimal = Decimal("0")
    provincial_i: Decimal = Decimal("0")
    class_ii: Decimal = Decimal("0")


@dataclass(frozen=True)
class CertificateContent:
    kind: str  # a CertificateKind
    institution: str
    title: str  # 技术职称; empty -> printed as 无职称 (as in fig. 27)
    name: str
    year_from: int
    year_to: int
    years: list[CertificateYear]
    issued_on: date


def fmt_credits(value: Decimal | int | float | str) -> str:
    """Credits with one decimal, e.g. ``Decimal(3)`` -> ``"3.0"``."""
    return str(Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def fmt_total(value: Decimal | int | float | str) -> str:
    """A year's total as fig. 27 prints it: ``0`` for nothing, else one decimal (``2.0``, ``8.5``)."""
    text = fmt_credits(value)
    return "0" if Decimal(text) == 0 else text


def title_line(kind: str) -> str:
    """``四川省继续医学教育学分证明（I类）``: the title with the certificate's kind."""
    return f"{TITLE}（{KIND_SHORT[CertificateKind(kind)]}）"


def fmt_date_cn(d: date) -> str:
    """``2017年10月27日`` (month and day zero-padded: ``YYYY年MM月DD日``)."""
    return f"{d.year:04d}年{d.month:02d}月{d.day:02d}日"


def year_sentence(kind: str, year: CertificateYear) -> str:
    """The sentence closing a year's table, worded per certificate kind (SPEC §6).

    * ``class1``:   ``该同志2017年度,共计完成:国家级I类学分2.0分,省I类学分0分。`` (fig. 27)
    * ``combined`` and ``class2``: the same I类 figures, then ``,II类学分5.0分。`` — SPEC §6 adds the
      Class II figure to the fig. 27 sentence; a Class II certificate keeps the year's I类 totals
      although its tables list only Class II lines.

    Punctuation (ASCII ``,`` and ``:``) follows the manual; a zero total is ``0分``, others have one decimal.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown certificate kind: {kind!r} (expected one of {KINDS})")
    head = f"该同志{year.year}年度,共计完成:"
    class1 = f"国家级I类学分{fmt_total(year.national_i)}分,省I类学分{fmt_total(year.provincial_i)}分"
    if kind == CertificateKind.CLASS1:
        return f"{head}{class1}。"
    return f"{head}{class1},II类学分{fmt_total(year.class_ii)}分。"


def intro_sentence(content: CertificateContent) -> str:
    title = content.title.strip() or "无职称"
    parts = [p for p in (content.institution.strip(), title, content.name.strip()) if p]
    return f"兹 {' '.join(parts)} 于 {content.year_from} 至 {content.year_to} 年期间完成继续医学教育情况如下:"


class _CertificatePDF(PagedPDF):
    pass


def _bold() -> str:
    return "B" if has_bold() else ""


def _year_table(pdf: _CertificatePDF, kind: str, year: CertificateYear) -> None:
    # keep at least the header, one line and the sentence together at a page foot
    if pdf.get_y() > pdf.h - pdf.b_margin - 24:
        pdf.add_page()
    pdf.set_font(FONT_FAMILY, "", 9)
    pdf.set_fill_color(255)  # fpdf2 tables take the current fill colour as their cells' default
    with listing_table(pdf, HEADERS, heading_fill=(234, 238, 244), col_widths=_COL_WIDTHS, width=sum(_COL_WIDTHS),
                       text_align=("LEFT", "LEFT", "CENTER", "CENTER", "CENTER"), line_height=4.6,
                       cell_fill_mode=TableCellFillMode.NONE, wrapmode=WrapMode.WORD) as table:
        for line in year.lines:
            row = table.row()
            row.cell(line.project_code)
            row.cell(line.project_name)
            row.cell(fmt_credits(line.credits))
            row.cell(line.credit_type)
            row.cell(f"{line.date_from.isoformat()} 至 {line.date_to.isoformat()}")
        sentence = table.row()
        sentence.cell(year_sentence(kind, year), colspan=len(HEADERS), align="LEFT")
    pdf.ln(5)


def _closing_block(pdf: _CertificatePDF, content: CertificateContent, serial: str,
                   content_hash: str, verify_url: str) -> None:
    block_h = 46.0
    if pdf.get_y() + block_h > pdf.h - pdf.b_margin:
        pdf.add_page()
    top = pdf.get_y() + 4
    left = pdf.l_margin
    right_edge = pdf.w - pdf.r_margin

    # right: certification lines, like the foot of fig. 27
    pdf.set_font(FONT_FAMILY, "", 11)
    col_x, col_w = 118.0, right_edge - 118.0
    pdf.set_xy(col_x, top)
    pdf.cell(col_w, 7, "认证机构:", align="L")
    pdf.set_xy(col_x, top + 16)
    pdf.cell(col_w, 7, PLATFORM_LINE, align="R")
    pdf.set_xy(col_x, top + 24)
    pdf.cell(col_w, 7, fmt_date_cn(content.issued_on), align="R")

    # left: QR code and the data needed to check the certificate
    qr_size = 30.0
    pdf.image(BytesIO(qr_png(verify_url)), x=left, y=top, w=qr_size, h=qr_size)
    text_x = left + qr_size + 3
    text_w = col_x - text_x - 4
    pdf.set_font(FONT_FAMILY, "", 8.5)
    pdf.set_xy(text_x, top + 1)
    pdf.multi_cell(text_w, 4.6, f"证书编号: {serial}", align="L", new_x="LEFT", new_y="NEXT")
    pdf.multi_cell(text_w, 4.6, f"内容校验码: {content_hash[:16]}", align="L",
                   new_x="LEFT", new_y="NEXT")
    pdf.multi_cell(text_w, 4.6, QR_CAPTION, align="L", new_x="LEFT", new_y="NEXT")
    pdf.set_font(FONT_FAMILY, "", 7)
    pdf.set_text_color(70)
    pdf.multi_cell(text_w, 3.4, verify_url, align="L", wrapmode=WrapMode.CHAR,
                   new_x="LEFT", new_y="NEXT")
    pdf.set_text_color(0)
    pdf.set_y(max(pdf.get_y(), top + qr_size) + 2)


def render_certificate(content: CertificateContent, *, serial: str, content_hash: str,
                       verify_url: str) -> bytes:
    """Render ``content`` as an A4 PDF and return its bytes.

    ``serial`` and the first 16 characters of ``content_hash`` are printed in the closing block
    together with a QR code of ``verify_url`` (the public 证书验证 page for this certificate).
    """
    if content.kind not in KINDS:
        raise ValueError(f"unknown certificate kind: {content.kind!r} (expected one of {KINDS})")
    pdf = new_pdf(_CertificatePDF)
    pdf.set_margins(_MARGIN, _MARGIN, _MARGIN)
    pdf.set_auto_page_break(True, margin=18)
    pdf.set_title(f"{TITLE} {content.name} {content.year_from}-{content.year_to}")
    pdf.set_author("四川省继续医学教育行政管理平台")
    pdf.set_creator("四川省继续医学教育行政管理平台")
    pdf.set_subject(f"{KIND_TITLES[content.kind]} 证书编号 {serial}")
    issued = content.issued_on
    pdf.set_creation_date(datetime(issued.year, issued.month, issued.day, tzinfo=_CHINA_TZ))
    pdf.add_page()

    pdf.set_font(FONT_FAMILY, _bold(), 20)
    pdf.cell(0, 12, title_line(content.kind), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(5)
    pdf.set_font(FONT_FAMILY, "", 11)
    pdf.multi_cell(0, 7, intro_sentence(content), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)

    for year in content.years:
        _year_table(pdf, content.kind, year)

    _closing_block(pdf, content, serial, content_hash, verify_url)
    return bytes(pdf.output())
