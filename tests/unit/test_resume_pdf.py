"""个人简历表 PDF (SPEC §7, manual fig. 31)."""

from __future__ import annotations

import re
from io import BytesIO

from pypdf import PdfReader

from cme.profile.resume_pdf import BASIC_LABELS, SECTION_TITLES, ResumeContent, ResumeSection, render_resume

A4 = (595.28, 841.89)


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def text_of(data: bytes) -> str:
    return "".join(squash(p.extract_text() or "") for p in PdfReader(BytesIO(data)).pages)


VALUES = {
    "姓名": "瞿星宇", "性别": "女", "出生日期": "1985-03-14", "民族": "汉族",
    "通讯地址": "四川省成都市武侯区国学巷37号四川大学华西医院超声医学科住院部七楼",
    "证件号码": "510104********1234", "联系电话": "138****5678", "技术职称": "主治医师",
}


def full_content() -> ResumeContent:
    basic = [(label, VALUES.get(label, "")) for label in BASIC_LABELS]
    sections = [ResumeSection(t, ["起止时间", "单位", "内容"], []) for t in SECTION_TITLES]
    sections[0] = ResumeSection("教育经历", ["起止时间", "学校", "专业", "学历"], [
        ["2003-09 至 2008-06", "四川大学华西临床医学院", "临床医学", "本科"],
    ])
    return ResumeContent(basic=basic, sections=sections)


def test_labels_values_and_numbered_sections():
    data = render_resume(full_content())
    text = text_of(data)
    assert "个人简历表" in text
    assert "一、基本信息" in text
    for label in BASIC_LABELS:
        assert label in text
    for value in VALUES.values():
        assert squash(value) in text
    for numeral, title in zip("二三四五六七", SECTION_TITLES, strict=True):
        assert f"{numeral}、{title}" in text
    assert "四川大学华西临床医学院" in text and "2003-09至2008-06" in text
    assert text.index("姓名") < text.index("通讯地址") < text.index("执业医师证号")
    assert text.index("二、教育经历") < text.index("七、调动记录")


def test_empty_sections_say_none():
    data = render_resume(full_content())
    text = text_of(data)
    # the five empty sections (培训 … 调动) each print 无 right after their title
    for numeral, title in zip("三四五六七", SECTION_TITLES[1:], strict=True):
        assert f"{numeral}、{title}无" in text
    assert "二、教育经历无" not in text
    assert "起止时间" in text  # headers of the non-empty section


def test_everything_empty_and_a4_with_page_numbers():
    content = ResumeContent(basic=[(label, "") for label in BASIC_LABELS],
                            sections=[ResumeSection(t, ["a", "b"], []) for t in SECTION_TITLES])
    data = render_resume(content)
    reader = PdfReader(BytesIO(data))
    for page in reader.pages:
        assert (round(float(page.mediabox.width), 2), round(float(page.mediabox.height), 2)) == A4
    text = text_of(data)
    assert text.count("无") >= 6
    assert f"第1页/共{len(reader.pages)}页" in text


def test_ragged_rows_and_prenumbered_titles_are_tolerated():
    content = ResumeContent(
        basic=[("姓名", "张三")],
        sections=[ResumeSection("二、教育经历", ["时间", "学校"], [["2001", "川大", "多余"], ["2002"]])],
    )
    text = text_of(render_resume(content))
    assert "二、教育经历" in text and "二、二、" not in text
    assert "川大" in text and "多余" not in text
