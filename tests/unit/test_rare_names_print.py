"""Every name prints: rare hanzi (燚, 䶮 in Extension A, 𠈌 in Extension B) and a 10-character name are
drawn on the certificate and the résumé from the shipped fallback font; a name no font can draw is
refused at entry instead of printing as a blank."""
from __future__ import annotations

from io import BytesIO

import pytest
from pypdf import PdfReader

from cme.profile.resume_pdf import render_resume
from cme.reports.glyphs import check_person_name, undrawable
from tests.unit.test_certificate_pdf import FIG27_2017, content, make_year, page_texts, render
from tests.unit.test_resume_pdf import full_content, text_of

NAMES = ["燚𠈌", "䶮", "司马燚𠈌䶮天下第一人", "瞿星宇"]


def embedded_fonts(data: bytes) -> set[str]:
    names = set()
    for page in PdfReader(BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]).split("+")[-1])
    return names


@pytest.mark.parametrize("name", NAMES)
def test_certificate_prints_every_character_of_the_name(name):
    data = render(content("combined", [make_year(2017, FIG27_2017)], name=name))
    assert name in page_texts(data)[0]
    assert len(data) < 100_000  # fonts stay subset
    needs_fallback = "燚" in name  # 䶮 is in the main subset's name hanzi; 燚 and 𠈌 only in the fallback
    assert any("Ext" in f for f in embedded_fonts(data)) == needs_fallback  # embedded only when needed


def test_resume_prints_a_rare_name():
    resume = full_content()
    resume.basic[0] = ("姓名", "燚𠈌䶮")
    assert "燚𠈌䶮" in text_of(render_resume(resume))


def test_a_name_no_font_can_draw_is_refused_at_entry():
    assert undrawable("燚𠈌䶮司马") == ""
    for bad in ("张😀", "王\U00020000", "李\u200b四"):  # emoji, an Ext B hanzi Noto lacks, zero-width space
        with pytest.raises(ValueError, match="无法打印的字符"):
            check_person_name(bad, max_len=50)
    assert check_person_name(" 司马燚𠈌䶮天下第一人 ", max_len=50) == "司马燚𠈌䶮天下第一人"
