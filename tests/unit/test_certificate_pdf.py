"""Certificate PDF (SPEC §6, manual fig. 27): text, tables across pages, font subset, A4."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from pypdf import PdfReader

from cme.certificates.pdf import CertificateContent, CertificateLine, CertificateYear, fmt_date_cn, render_certificate, year_sentence
from cme.reports.fonts import FONT_PATH, font_parse_count, new_pdf

NATIONAL, PROVINCIAL, CLASS2 = "国家级I类", "省级I类", "II类"
SERIAL = "SC2017-A-000123"
HASH = "0f1e2d3c4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddeeff"
URL = "https://cme.example.cn/verify?serial=SC2017-A-000123"
A4 = (595.28, 841.89)


def squash(text: str) -> str:
    """pypdf puts spaces/newlines between CJK runs unpredictably: compare without whitespace."""
    return re.sub(r"\s+", "", text)


def page_texts(data: bytes) -> list[str]:
    return [squash(p.extract_text() or "") for p in PdfReader(BytesIO(data)).pages]


def totals(lines: list[CertificateLine]) -> tuple[Decimal, Decimal, Decimal]:
    def s(kind: str) -> Decimal:
        return sum((ln.credits for ln in lines if ln.credit_type == kind), Decimal("0"))

    return s(NATIONAL), s(PROVINCIAL), s(CLASS2)


def make_year(year: int, lines: list[CertificateLine]) -> CertificateYear:
    return CertificateYear(year, lines, *totals(lines))


def content(kind: str, years: list[CertificateYear], **kw) -> CertificateContent:
    data = dict(
        kind=kind, institution="四川省卫生和计划生育委员会", title="主治医师", name="瞿星宇",
        year_from=years[0].year if years else 2017, year_to=years[-1].year if years else 2017,
        years=years, issued_on=date(2017, 10, 27),
    )
    data.update(kw)
    return CertificateContent(**data)


def render(c: CertificateContent) -> bytes:
    return render_certificate(c, serial=SERIAL, content_hash=HASH, verify_url=URL)


FIG27_2017 = [
    CertificateLine("201745123", "国家级项目", Decimal("2"), NATIONAL,
                    date(2017, 10, 17), date(2017, 10, 17)),
    CertificateLine("17-01-09040386", "肝脏超声造影专题学习班", Decimal("2.0"), PROVINCIAL,
                    date(2017, 4, 22), date(2017, 4, 22)),
    CertificateLine("17-01-09020369", "腹部急症及消化系统疾病超声诊断学习班", Decimal("3.0"),
                    PROVINCIAL, date(2017, 7, 21), date(2017, 7, 23)),
    CertificateLine("17-01-04050370", "肾上腺外科疾病的多学科联合诊治学习班", Decimal("3"),
                    PROVINCIAL, date(2017, 6, 23), date(2017, 6, 25)),
]


def big_years() -> list[CertificateYear]:
    types = (NATIONAL, PROVINCIAL, CLASS2)
    years = []
    for y in range(2013, 2018):
        lines = [
            CertificateLine(
                f"{y % 100}-01-{y}{i:04d}",
                "腹部急症及消化系统疾病超声诊断与肾上腺外科疾病多学科联合诊治学习班"[: 6 + i],
                Decimal(i % 5) + Decimal("0.5"),
                types[i % 3],
                date(y, 1 + i % 12, 1 + i),
                date(y, 1 + i % 12, 2 + i),
            )
            for i in range(20)
        ]
        years.append(make_year(y, lines))
    return years


# --- the yearly sentence -------------------------------------------------------------------


def test_year_sentence_wording_per_kind():
    y = CertificateYear(2017, [], Decimal("2"), Decimal("8.0"), Decimal("5.25"))
    assert year_sentence("class1", y) == "该同志2017年度,共计完成:国家级I类学分2.0分,省I类学分8.0分。"
    assert year_sentence("combined", y) == (
        "该同志2017年度,共计完成:国家级I类学分2.0分,省I类学分8.0分,II类学分5.3分。"
    )
    # SPEC §6: the II类 certificate keeps the year's I类 figures
    assert year_sentence("class2", y) == "该同志2017年度,共计完成:国家级I类学分2.0分,省I类学分8.0分,II类学分5.3分。"
    with pytest.raises(ValueError):
        year_sentence("class3", y)


def test_a_zero_total_prints_as_fig_27_does():
    nothing = CertificateYear(2015, [], Decimal("0"), Decimal("0.0"), Decimal("0"))
    assert year_sentence("combined", nothing) == "该同志2015年度,共计完成:国家级I类学分0分,省I类学分0分,II类学分0分。"
    half = CertificateYear(2016, [], Decimal("0"), Decimal("0.5"), Decimal("0"))
    assert year_sentence("class1", half) == "该同志2016年度,共计完成:国家级I类学分0分,省I类学分0.5分。"


def test_the_title_line_names_the_kind():
    for kind, shown in (("combined", "（I类、II类综合）"), ("class1", "（I类）"), ("class2", "（II类）")):
        text = squash(page_texts(render(content(kind, [make_year(2017, [])])))[0])
        assert text.startswith(squash("四川省继续医学教育学分证明" + shown) + "兹")


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError):
        render(content("everything", [make_year(2017, [])]))


def test_date_format():
    assert fmt_date_cn(date(2017, 1, 5)) == "2017年01月05日"


# --- documents -----------------------------------------------------------------------------


def test_no_lines_every_year_still_listed_with_its_sentence():
    years = [make_year(y, []) for y in (2015, 2016, 2017)]
    data = render(content("class1", years))
    texts = page_texts(data)
    assert len(texts) == 1
    text = texts[0]
    assert "四川省继续医学教育学分证明" in text
    assert squash("兹 四川省卫生和计划生育委员会 主治医师 瞿星宇 于 2015 至 2017 年期间完成继续医学教育情况如下:") in text
    assert text.count("项目编号") == 3  # one (empty) table per year
    for y in (2015, 2016, 2017):
        assert f"该同志{y}年度,共计完成:国家级I类学分0分,省I类学分0分。" in text
    assert "认证机构:" in text
    assert "四川省继续医学教育行政管理平台提供信息" in text
    assert "2017年10月27日" in text
    assert "第1页/共1页" in text


def test_missing_title_is_printed_as_no_title():
    data = render(content("class1", [make_year(2017, [])], title=""))
    assert "四川省卫生和计划生育委员会无职称瞿星宇于2017至2017年" in page_texts(data)[0]


def test_one_year_as_in_fig27():
    data = render(content("class1", [make_year(2017, FIG27_2017)]))
    text = "".join(page_texts(data))
    for header in ("项目编号", "项目名称", "学分", "学分种类", "参加时间"):
        assert header in text
    for line in FIG27_2017:
        assert line.project_code in text
        assert squash(line.project_name) in text
    assert "2017-04-22至2017-04-22" in text
    assert "2017-07-21至2017-07-23" in text
    assert "3.0" in text and "国家级I类" in text and "省级I类" in text
    assert "该同志2017年度,共计完成:国家级I类学分2.0分,省I类学分8.0分。" in text


def test_serial_hash_and_verification_hint_printed_with_a_qr_image():
    data = render(content("combined", [make_year(2017, FIG27_2017)]))
    text = "".join(page_texts(data))
    assert f"证书编号:{SERIAL}" in text
    assert f"内容校验码:{HASH[:16]}" in text
    assert HASH[16:] not in text
    assert "扫码或访问证书验证页面核验" in text
    assert URL in text
    last = PdfReader(BytesIO(data)).pages[-1]
    assert len(last.images) == 1  # the QR code


def test_many_years_and_lines_break_across_pages_with_repeated_headers():
    years = big_years()
    data = render(content("combined", years))
    reader = PdfReader(BytesIO(data))
    texts = page_texts(data)
    assert len(texts) > 1
    codes = {ln.project_code for y in years for ln in y.lines}
    for text in texts:
        # every page carrying table rows starts its (possibly continued) table with the header
        if any(code in text for code in codes):
            assert "项目编号" in text
            assert text.index("项目编号") < min(text.index(c) for c in codes if c in text)
    joined = "".join(texts)
    for code in codes:
        assert code in joined
    for y in years:
        n, p, c2 = totals(y.lines)
        assert y.national_i == n
        assert year_sentence("combined", y) in joined
        assert f"国家级I类学分{n:.1f}分,省I类学分{p:.1f}分,II类学分{c2:.1f}分" in year_sentence("combined", y)
    m = len(reader.pages)
    for i, text in enumerate(texts, start=1):
        assert f"第{i}页/共{m}页" in text


def test_a4_and_font_embedded_as_subset():
    data = render(content("combined", big_years()[:1]))
    reader = PdfReader(BytesIO(data))
    font_names = set()
    for page in reader.pages:
        box = page.mediabox
        assert (round(float(box.width), 2), round(float(box.height), 2)) == A4
        fonts = page["/Resources"]["/Font"]
        for ref in fonts.values():
            font = ref.get_object()
            font_names.add(str(font["/BaseFont"]))
            descendant = font["/DescendantFonts"][0].get_object()
            descriptor = descendant["/FontDescriptor"].get_object()
            program = descriptor["/FontFile2"].get_object().get_data()
            assert 0 < len(program) < FONT_PATH.stat().st_size / 10  # a subset, not the file
    assert font_names
    for name in font_names:
        assert re.fullmatch(r"/[A-Z]{6}\+NotoSansSC\w*", name), name


def test_same_input_same_bytes():
    c = content("class2", [make_year(2017, FIG27_2017)])
    assert render(c) == render(c)


def test_font_parsed_once_per_process():
    # the render time itself is measured by `python -m cme bench`, not asserted here (CI machines are loaded)
    render(content("class1", [make_year(2017, [])]))  # warm up
    assert font_parse_count() == 1
    render(content("combined", big_years()))
    assert font_parse_count() == 1
    assert new_pdf().fonts  # a new document reuses the parsed font
    assert font_parse_count() == 1


def test_unsupported_characters_are_reported():
    from cme.reports.fonts import unsupported_chars

    assert unsupported_chars("四川省继续医学教育 瞿星宇 堃 Ⅰ类、Ⅱ类 （全角）ABC 123") == ""
    assert unsupported_chars("𠀀a𠀀") == "𠀀"
