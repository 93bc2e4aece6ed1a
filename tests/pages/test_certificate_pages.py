"""出具Ⅰ类、Ⅱ类学分证明 and 证书验证 through the page scripts (streamlit AppTest)."""
from __future__ import annotations

from sqlalchemy import select

from cme.certificates import registry as certificate_registry
from cme.certificates import service as certificates
from cme.clock import today
from cme.db import session_scope
from cme.models import Certificate
from tests.apptest import open_page
from tests.factories import PASSWORD, add_credit, make_admin, make_institution, make_person

PAGE = "app_pages/personal/certificates.py"
VERIFY = "app_pages/public/verify_certificate.py"
Y = today().year


def _texts(at) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [e.value for e in at.error]
    parts += [e.value for e in at.success] + [e.value for e in at.info]
    return "\n".join(str(p) for p in parts)


def _frames(at) -> str:
    return "\n".join(df.value.to_string() for df in at.dataframe)


def _request(at, kind_label: str, y1, y2):
    next(b for b in at.button if b.label == kind_label).click()
    at.run()
    at.selectbox(key="cert_year_from").set_value(y1)
    at.selectbox(key="cert_year_to").set_value(y2)
    next(b for b in at.button if b.label == "提交验证查询").click()
    return at.run()


def test_person_previews_and_gets_the_pdf_of_approved_credits(sqlite_db):
    with session_scope() as s:
        inst = make_institution(s)
        person = make_person(s, inst)
        add_credit(s, person, year=Y - 1, credit_type="国家级I类", credits="2", code="NAT-1", name="国家级学习班")
        add_credit(s, person, year=Y - 1, credit_type="省级I类", credits="3.5", code="PRO-1", name="省级学习班")
        add_credit(s, person, year=Y - 1, credit_type="II类", credits="4", code="CII-1", name="二类讲座")
        add_credit(s, person, year=Y - 1, credit_type="省级I类", credits="8", code="PEND-1", status="pending")
    at = open_page(PAGE, username=person.username, password=PASSWORD)
    assert not at.exception
    kinds = [b.label for b in at.button if b.label.startswith("合成")]
    assert kinds == ["合成I类II类综合学分证明", "合成I类学分证明", "合成II类学分证明"]
    at = _request(at, "合成I类II类综合学分证明", Y - 2, Y - 1)
    assert not at.exception and not at.error
    text = _texts(at)
    assert f"兹 {inst.name} 无职称 {person.name} 于 {Y - 2} 至 {Y - 1} 年期间完成继续医学教育情况如下:" in text
    assert f"该同志{Y - 2}年度,共计完成:国家级I类学分0分,省I类学分0分,II类学分0分。" in text
    assert f"该同志{Y - 1}年度,共计完成:国家级I类学分2.0分,省I类学分3.5分,II类学分4.0分。" in text
    frames = _frames(at)
    assert "NAT-1" in frames and "PRO-1" in frames and "CII-1" in frames and "PEND-1" not in frames
    # 提交验证查询 is a preview: nothing issued yet
    assert "预览：尚未出具，没有证书编号" in text and not at.get("download_button")
    with session_scope() as s:
        assert s.scalar(select(Certificate.serial)) is None
    at.button(key="cert_issue").click().run()
    with session_scope() as s:
        serial = s.scalar(select(Certificate.serial).where(Certificate.user_id == person.id))
    assert serial in _texts(at)
    assert at.get("download_button"), "the PDF download button is shown"
    # 出具 again (a new request of the same content) gives the same certificate; 我的证明 lists it once
    at = _request(at, "合成I类II类综合学分证明", Y - 2, Y - 1)
    at.button(key="cert_issue").click().run()
    assert f"学分证明已出具，证书编号 {serial}" in _texts(at)
    with session_scope() as s:
        assert s.scalars(select(Certificate.serial)).all() == [serial]
    mine = at.dataframe[-1].value  # 我的证明 is the last table
    assert list(mine["证书编号"]) == [serial] and list(mine["状态"]) == ["真实有效"]
    at.selectbox(key="cert_reprint_pick").set_value(serial).run()
    assert [b.label for b in at.get("download_button")][-1] == "补打（下载PDF）"


def test_class1_leaves_out_class2_lines(sqlite_db):
    with session_scope() as s:
        person = make_person(s, make_institution(s))
        add_credit(s, person, year=Y, credit_type="省级I类", credits="3", code="PRO-2")
        add_credit(s, person, year=Y, credit_type="II类", credits="4", code="CII-2")
    at = _request(open_page(PAGE, username=person.username, password=PASSWORD), "合成I类学分证明", Y, Y)
    assert f"该同志{Y}年度,共计完成:国家级I类学分0分,省I类学分3.0分。" in _texts(at)
    assert "PRO-2" in _frames(at) and "CII-2" not in _frames(at)


def test_bad_year_range_names_the_field_and_issues_nothing(sqlite_db):
    with session_scope() as s:
        person = make_person(s, make_institution(s))
    at = _request(open_page(PAGE, username=person.username, password=PASSWORD), "合成II类学分证明", Y, Y - 1)
    assert "起始年度：不能晚于终止年度" in at.error[0].value
    at = _request(at, "合成II类学分证明", Y - 20, Y)
    assert "终止年度：起止年度跨度不能超过10年" in at.error[0].value
    at = _request(at, "合成II类学分证明", None, Y)
    assert "起始年度" in at.error[0].value
    assert not at.get("download_button")
    with session_scope() as s:
        assert s.scalar(select(Certificate.id)) is None


def test_admins_cannot_open_the_certificate_page(sqlite_db):
    with session_scope() as s:
        admin = make_admin(s, make_institution(s))
    at = open_page(PAGE, username=admin.username, password=PASSWORD)
    assert "无权访问该页面" in at.error[0].value
    assert not [b for b in at.button if b.label == "合成I类学分证明"]


def _issue(kind="combined"):
    with session_scope() as s:
        inst = make_institution(s)
        person = make_person(s, inst)
        add_credit(s, person, year=Y - 1, credit_type="省级I类", credits="5", code="V-1")
        issued = certificates.issue_certificate(s, person, kind, Y - 1, Y - 1)
    return inst, person, issued


def test_verify_page_from_the_qr_code_url_needs_no_login(sqlite_db):
    inst, person, issued = _issue()
    at = open_page(VERIFY, run=False)
    at.query_params["serial"] = issued.serial
    at.run()
    assert not at.exception
    text = _texts(at)
    assert "真实有效" in text
    facts = text.replace("\\", "")  # the label: value lines (markdown, user text escaped)
    assert f"姓名：**{certificates.mask_name(person.name)}**" in facts and person.name not in facts
    assert f"单位：**{inst.name}**" in facts and "合成I类II类综合学分证明" in facts and issued.content_hash[:16] in facts
    assert f"该同志{Y - 1}年度,共计完成:国家级I类学分0分,省I类学分5.0分,II类学分0分。" in _frames(at)


def test_verify_page_typed_serial_wrong_and_voided(sqlite_db):
    _, _, issued = _issue("class1")
    at = open_page(VERIFY)
    assert not at.error
    at.text_input[0].input(issued.serial[:-1] + ("Q" if issued.serial[-1] != "Q" else "R"))
    next(b for b in at.button if b.label == "验证").click()
    at.run()
    assert "未找到" in at.error[0].value
    assert not at.dataframe
    with session_scope() as s:
        certificate_registry.void_certificate(s, make_admin(s), issued.serial, "重新出具")
    at.text_input[0].input(issued.serial)
    next(b for b in at.button if b.label == "验证").click()
    at.run()
    assert "已作废" in at.error[0].value and "重新出具" in at.error[0].value
    at.text_input[0].input("")
    next(b for b in at.button if b.label == "验证").click()
    at.run()
    assert "证书编号" in at.error[0].value


def test_provincial_admin_voids_on_screen_and_verify_shows_it(sqlite_db):
    _, person, issued = _issue()
    with session_scope() as s:
        make_admin(s, None, "cert_province")
    at = open_page("app_pages/province/certificates.py", username="cert_province", password=PASSWORD)
    assert not at.exception
    assert list(at.dataframe[0].value["证书编号"]) == [issued.serial]
    at.selectbox(key="certs_void_serial").set_value(issued.serial)
    at.text_area(key="certs_void_reason").input("学分记录更正")
    next(b for b in at.button if b.label == "作废").click().run()
    assert "请先勾选“确认作废”" in at.error[0].value  # nothing voided without the confirmation
    at.checkbox(key="certs_void_sure").check()
    next(b for b in at.button if b.label == "作废").click().run()
    assert f"证书 {issued.serial} 已作废" in _texts(at)
    assert list(at.dataframe[0].value["状态"]) == ["已作废"]
    verify = open_page(VERIFY, run=False)
    verify.query_params["serial"] = issued.serial
    verify.run()
    assert "已作废" in verify.error[0].value and "学分记录更正" in verify.error[0].value
    # a person cannot open it
    assert "无权访问该页面" in open_page("app_pages/province/certificates.py", username=person.username,
                                      password=PASSWORD).error[0].value
