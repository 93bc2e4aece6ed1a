"""学分证明 (SPEC §6): content from approved credits only, stored serial + hash, public verification."""
from __future__ import annotations

import re
from decimal import Decimal
from io import BytesIO

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from cme.certificates import registry
from cme.certificates import service as svc
from cme.certificates.pdf import fmt_credits, year_sentence
from cme.clock import today
from cme.db import session_scope
from cme.errors import NotFound, NotPermitted, RecordLocked, Throttled, ValidationError
from cme.models import AuditLog, Certificate, CreditStandard, CreditSummary, PersonalStandard
from tests.factories import add_credit, make_admin, make_institution, make_person

NATIONAL, PROVINCIAL, CLASS2 = "国家级I类", "省级I类", "II类"
THIS_YEAR = today().year


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def pdf_text(data: bytes) -> str:
    return squash("".join(p.extract_text() or "" for p in PdfReader(BytesIO(data)).pages))


def pdf_pages(data: bytes) -> int:
    return len(PdfReader(BytesIO(data)).pages)


def _mixed_history(s, person, y1: int, y2: int):
    """Approved, pending and rejected records of every type in each year; returns the approved ones."""
    approved = []
    for y in range(y1, y2 + 1):
        approved.append(add_credit(s, person, year=y, credit_type=NATIONAL, credits="2", code=f"N{y}A", name=f"国家级项目{y}"))
        approved.append(add_credit(s, person, year=y, credit_type=PROVINCIAL, credits="3.5", code=f"P{y}A", name=f"省级项目{y}"))
        approved.append(add_credit(s, person, year=y, credit_type=PROVINCIAL, credits="1", code=f"P{y}B", name=f"省级讲座{y}"))
        approved.append(add_credit(s, person, year=y, credit_type=CLASS2, credits="4", code=f"C{y}A", name=f"二类项目{y}"))
        add_credit(s, person, year=y, credit_type=PROVINCIAL, credits="9", status="pending", code=f"X{y}P", name=f"待审项目{y}")
        add_credit(s, person, year=y, credit_type=CLASS2, credits="7", status="rejected", code=f"X{y}R", name=f"退回项目{y}")
    return approved


def test_combined_certificate_states_every_approved_record_and_the_right_sums(db):
    y1, y2 = THIS_YEAR - 2, THIS_YEAR
    with session_scope() as s:
        inst = make_institution(s)
        person = make_person(s, inst)
        approved = _mixed_history(s, person, y1, y2)
        issued = svc.issue_certificate(s, person, "combined", y1, y2)
        summaries = {c.year: c for c in s.scalars(select(CreditSummary).where(CreditSummary.user_id == person.id))}

    text = pdf_text(issued.pdf)
    assert squash(f"兹 {inst.name} 无职称 {person.name} 于 {y1} 至 {y2} 年期间") in text
    for rec in approved:
        assert rec.project_code in text and rec.project_name in text
    assert "待审项目" not in text and "退回项目" not in text and "X" + str(y1) not in text
    for y in issued.content.years:
        # the sums printed are those of the approved summary, as a hand count gives them
        summary = summaries[y.year]
        assert (y.national_i, y.provincial_i, y.class_ii) == (summary.national_i, summary.provincial_i, summary.class_ii)
        assert (y.national_i, y.provincial_i, y.class_ii) == (Decimal("2"), Decimal("4.5"), Decimal("4"))
        assert squash(f"该同志{y.year}年度,共计完成:国家级I类学分2.0分,省I类学分4.5分,II类学分4.0分。") in text
    assert issued.serial in text and issued.content_hash[:16] in text
    assert issued.verify_url.endswith(f"/verify_certificate?serial={issued.serial}")


@pytest.mark.parametrize("kind, shown, hidden", [
    ("class1", ("N", "P"), ("C",)),
    ("class2", ("C",), ("N", "P")),
])
def test_kind_filters_the_lines_and_words_the_sentence(db, kind, shown, hidden):
    y = THIS_YEAR - 1
    with session_scope() as s:
        person = make_person(s, make_institution(s))
        _mixed_history(s, person, y, y)
        issued = svc.issue_certificate(s, person, kind, y, y)
    text = pdf_text(issued.pdf)
    for prefix in shown:
        assert f"{prefix}{y}A" in text
    for prefix in hidden:
        assert f"{prefix}{y}A" not in text
    if kind == "class1":
        assert squash(f"该同志{y}年度,共计完成:国家级I类学分2.0分,省I类学分4.5分。") in text
        assert "II类学分" not in text
    else:  # SPEC §6: the II类 certificate keeps the year's I类 figures although it lists no I类 line
        assert squash(f"该同志{y}年度,共计完成:国家级I类学分2.0分,省I类学分4.5分,II类学分4.0分。") in text


def test_no_records_still_states_every_year_with_zero(db):
    with session_scope() as s:
        person = make_person(s, make_institution(s))
        issued = svc.issue_certificate(s, person, "combined", THIS_YEAR - 2, THIS_YEAR)
    text = pdf_text(issued.pdf)
    assert [y.year for y in issued.content.years] == [THIS_YEAR - 2, THIS_YEAR - 1, THIS_YEAR]
    for y in range(THIS_YEAR - 2, THIS_YEAR + 1):
        assert squash(f"该同志{y}年度,共计完成:国家级I类学分0分,省I类学分0分,II类学分0分。") in text


def test_one_year_range_and_years_without_credits_in_a_range(db):
    with session_scope() as s:
        person = make_person(s, make_institution(s))
        add_credit(s, person, year=THIS_YEAR - 3, credit_type=PROVINCIAL, credits="5", code="ONLY1")
        one = svc.issue_certificate(s, person, "class1", THIS_YEAR - 3, THIS_YEAR - 3)
        wide = svc.issue_certificate(s, person, "class1", THIS_YEAR - 4, THIS_YEAR - 2)
    assert [y.year for y in one.content.years] == [THIS_YEAR - 3]
    assert "ONLY1" in pdf_text(one.pdf)
    assert [len(y.lines) for y in wide.content.years] == [0, 1, 0]
    assert squash(f"该同志{THIS_YEAR - 4}年度,共计完成:国家级I类学分0分,省I类学分0分。") in pdf_text(wide.pdf)


def test_a_class2_certificate_lists_class2_lines_and_keeps_the_years_class1_figures(db):
    y = THIS_YEAR - 1
    with session_scope() as s:
        person = make_person(s, make_institution(s))
        add_credit(s, person, year=y, credit_type=NATIONAL, credits="2", code="NAT1")
        add_credit(s, person, year=y, credit_type=PROVINCIAL, credits="8", code="PRO1")
        add_credit(s, person, year=y, credit_type=CLASS2, credits="5", code="TWO1")
        issued = svc.issue_certificate(s, person, "class2", y, y)
        only_i = svc.issue_certificate(s, person, "class1", y, y)
    text = pdf_text(issued.pdf)
    assert "TWO1" in text and "NAT1" not in text and "PRO1" not in text
    assert squash(f"该同志{y}年度,共计完成:国家级I类学分2.0分,省I类学分8.0分,II类学分5.0分。") in text
    assert squash("四川省继续医学教育学分证明（II类）") in text
    assert squash(f"该同志{y}年度,共计完成:国家级I类学分2.0分,省I类学分8.0分。") in pdf_text(only_i.pdf)
    assert only_i.content.years[0].class_ii == 0  # what a I类 certificate does not state is not in its hash


def test_five_years_of_twenty_records_break_across_pages(db):
    y1, y2 = THIS_YEAR - 4, THIS_YEAR
    types = (NATIONAL, PROVINCIAL, CLASS2)
    expected: dict[int, dict[str, Decimal]] = {}
    with session_scope() as s:
        person = make_person(s, make_institution(s))
        for y in range(y1, y2 + 1):
            expected[y] = {t: Decimal("0") for t in types}
            for k in range(20):
                t = types[k % 3]
                credits = Decimal(str(1 + (k % 4) * 0.5))
                expected[y][t] += credits
                add_credit(s, person, year=y, credit_type=t, credits=str(credits), code=f"B{y}-{k:02d}")
        issued = svc.issue_certificate(s, person, "combined", y1, y2)
    text = pdf_text(issued.pdf)
    assert pdf_pages(issued.pdf) > 3
    assert sum(len(y.lines) for y in issued.content.years) == 100
    for y in range(y1, y2 + 1):
        for k in range(20):
            assert f"B{y}-{k:02d}" in text
        e = expected[y]
        assert squash(
            f"该同志{y}年度,共计完成:国家级I类学分{fmt_credits(e[NATIONAL])}分,"
            f"省I类学分{fmt_credits(e[PROVINCIAL])}分,II类学分{fmt_credits(e[CLASS2])}分。"
        ) in text


def test_a_person_gets_only_their_own_credits_and_admins_none(db):
    y = THIS_YEAR - 1
    with session_scope() as s:
        inst = make_institution(s)
        me, other = make_person(s, inst), make_person(s, inst)
        add_credit(s, me, year=y, credit_type=PROVINCIAL, credits="2", code="MINE01")
        add_credit(s, other, year=y, credit_type=PROVINCIAL, credits="6", code="THEIRS1")
        issued = svc.issue_certificate(s, me, "combined", y, y)
        unit_admin, province = make_admin(s, inst), make_admin(s)
    text = pdf_text(issued.pdf)
    assert "MINE01" in text and "THEIRS1" not in text
    assert issued.content.name == me.name
    assert issued.content.years[0].provincial_i == Decimal("2")
    for admin in (unit_admin, province):
        with session_scope() as s, pytest.raises(NotPermitted):
            svc.issue_certificate(s, admin, "combined", y, y)
    with session_scope() as s:
        assert s.scalar(select(Certificate.user_id).where(Certificate.serial == issued.serial)) == me.id


def test_title_is_the_personal_standard_of_the_last_year_or_earlier(db):
    with session_scope() as s:
        person = make_person(s, make_institution(s))
        std_id = s.scalars(select(CreditStandard.id)).first()
        s.add(PersonalStandard(user_id=person.id, year=THIS_YEAR - 3, region_level="县级",
                               title="医疗系列 - 主治医师(中级)", standard_id=std_id))
        s.add(PersonalStandard(user_id=person.id, year=THIS_YEAR, region_level="县级",
                               title="医疗系列 - 副主任医师(副高)", standard_id=std_id))
        s.flush()
        assert svc.build_content(s, person, "combined", THIS_YEAR - 2, THIS_YEAR - 1).title == "主治医师"
        assert svc.build_content(s, person, "combined", THIS_YEAR - 1, THIS_YEAR).title == "副主任医师"
        assert svc.build_content(s, person, "combined", THIS_YEAR - 5, THIS_YEAR - 4).title == "无职称"


@pytest.mark.parametrize("kind, y1, y2, field, message", [
    ("combined", THIS_YEAR, THIS_YEAR - 1, "起始年度", "不能晚于终止年度"),
    ("combined", THIS_YEAR - 1, THIS_YEAR + 1, "终止年度", "不能晚于本年度"),
    ("combined", THIS_YEAR - 10, THIS_YEAR, "终止年度", "跨度不能超过10年"),
    ("combined", None, THIS_YEAR, "起始年度", "请选择起始年度"),
    ("combined", THIS_YEAR, None, "终止年度", "请选择终止年度"),
    ("diploma", THIS_YEAR, THIS_YEAR, "证明类型", "请选择证明类型"),
])
def test_bad_requests_name_the_field_and_store_nothing(db, kind, y1, y2, field, message):
    with session_scope() as s:
        person = make_person(s, make_institution(s))
    with session_scope() as s, pytest.raises(ValidationError) as err:
        svc.issue_certificate(s, person, kind, y1, y2)
    assert message in err.value.errors[field]
    with session_scope() as s:
        assert s.scalar(select(Certificate.id)) is None


def test_ten_years_is_the_longest_range(db):
    with session_scope() as s:
        person = make_person(s, make_institution(s))
        issued = svc.issue_certificate(s, person, "class2", THIS_YEAR - 9, THIS_YEAR)
    assert len(issued.content.years) == 10


def test_issuing_the_same_content_again_returns_the_same_certificate(db):
    y = THIS_YEAR - 1
    with session_scope() as s:
        person = make_person(s, make_institution(s))
        add_credit(s, person, year=y, credit_type=CLASS2, credits="3", code="R1")
        preview = svc.preview_certificate(s, person, "combined", y, y)
        assert s.scalar(select(func.count()).select_from(Certificate)) == 0  # 提交验证查询 stores nothing
        first = svc.issue_certificate(s, person, "combined", y, y)
        second = svc.issue_certificate(s, person, "combined", y, y)
        other_kind = svc.issue_certificate(s, person, "class2", y, y)
        add_credit(s, person, year=y, credit_type=CLASS2, credits="1", code="R2")
        changed = svc.issue_certificate(s, person, "combined", y, y)
        audits = s.scalars(select(AuditLog.entity_id).where(AuditLog.action == "certificate.issue")).all()
    assert preview.content_hash == first.content_hash
    assert (second.serial, second.content_hash, second.pdf) == (first.serial, first.content_hash, first.pdf)
    assert re.fullmatch(r"SC\d{8}[0-9A-Z]{8}", first.serial)
    assert first.serial[2:10] == today().strftime("%Y%m%d")
    assert other_kind.serial != first.serial and other_kind.content_hash != first.content_hash
    assert changed.serial != first.serial and changed.content_hash != first.content_hash
    assert sorted(audits) == sorted({first.serial, other_kind.serial, changed.serial})


def test_parallel_issues_of_the_same_content_give_one_serial(db):
    """Two tabs press 出具 at once: one certificate, both get its serial (real threads, both backends)."""
    import threading

    y = THIS_YEAR - 1
    with session_scope() as s:
        person = make_person(s, make_institution(s))
        add_credit(s, person, year=y, credit_type=CLASS2, credits="3", code="P1")
    barrier, serials, errors = threading.Barrier(4), [], []

    def issue():
        barrier.wait()
        try:
            with session_scope() as s:
                serials.append(svc.issue_certificate(s, person, "combined", y, y).serial)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    workers = [threading.Thread(target=issue) for _ in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert errors == []
    assert len(set(serials)) == 1 and len(serials) == 4
    with session_scope() as s:
        assert s.scalar(select(func.count()).select_from(Certificate)) == 1


def test_my_certificates_list_and_reprint_own_only(db):
    y = THIS_YEAR - 1
    with session_scope() as s:
        inst = make_institution(s)
        person, other = make_person(s, inst), make_person(s, inst)
        province = make_admin(s)
        add_credit(s, person, year=y, credit_type=CLASS2, credits="3", code="L1")
        issued = svc.issue_certificate(s, person, "class2", y, y)
    with session_scope() as s:
        rows = registry.list_own_certificates(s, person)
        assert [(r.serial, r.kind_label, r.years, r.status_label) for r in rows] == [
            (issued.serial, "合成II类学分证明", f"{y} 至 {y}", "真实有效")]
        assert registry.list_own_certificates(s, other) == []
        again = registry.reprint_certificate(s, person, issued.serial)
        assert (again.serial, again.pdf) == (issued.serial, issued.pdf)
    with pytest.raises(NotFound), session_scope() as s:
        registry.reprint_certificate(s, other, issued.serial)
    with pytest.raises(NotPermitted), session_scope() as s:
        registry.list_certificates(s, person)
    with session_scope() as s:
        assert [r.serial for r in registry.list_certificates(s, province, issued.serial[-6:])] == [issued.serial]
        registry.void_certificate(s, province, issued.serial, "学分更正")
    with session_scope() as s:
        assert registry.list_own_certificates(s, person)[0].status_label == "已作废"
        assert registry.list_own_certificates(s, person)[0].void_reason == "学分更正"
    with pytest.raises(RecordLocked, match="已作废"), session_scope() as s:
        registry.reprint_certificate(s, person, issued.serial)
    with session_scope() as s:  # after a void the same content may be issued anew
        assert svc.issue_certificate(s, person, "class2", y, y).serial != issued.serial


def test_content_hash_ignores_issue_date_only():
    from dataclasses import replace
    from datetime import date

    from cme.certificates.pdf import CertificateContent, CertificateYear

    c = CertificateContent("combined", "医院", "主治医师", "张三", 2020, 2020, [CertificateYear(2020)], date(2024, 1, 1))
    assert svc.content_hash(c) == svc.content_hash(replace(c, issued_on=date(2025, 5, 5)))
    assert svc.content_hash(c) != svc.content_hash(replace(c, name="张四"))


def test_verification_states_the_certificate_with_the_name_masked(db):
    y = THIS_YEAR - 1
    with session_scope() as s:
        inst = make_institution(s)
        person = make_person(s, inst)
        _mixed_history(s, person, y, y)
        issued = svc.issue_certificate(s, person, "combined", y, y)
    with session_scope() as s:
        result = svc.verify_certificate(s, " " + issued.serial.lower() + " ")
    assert result.status == "genuine" and result.status_label == "真实有效"
    assert result.masked_name == svc.mask_name(person.name) != person.name
    assert result.institution == inst.name
    assert result.kind_label == "合成I类II类综合学分证明"
    assert (result.year_from, result.year_to) == (y, y)
    assert result.content_hash == issued.content_hash
    (year,) = result.years
    assert (year.projects, year.national_i, year.provincial_i, year.class_ii) == (4, Decimal("2"), Decimal("4.5"), Decimal("4"))
    assert year.sentence == year_sentence("combined", issued.content.years[0])
    assert result.issued_on == today()


def test_wrong_or_altered_serial_is_not_found(db):
    with session_scope() as s:
        person = make_person(s, make_institution(s))
        issued = svc.issue_certificate(s, person, "combined", THIS_YEAR, THIS_YEAR)
    last = issued.serial[-1]
    altered = issued.serial[:-1] + ("A" if last != "A" else "B")
    with session_scope() as s:
        for serial in (altered, issued.serial[:-1], "SC2024", "nonsense", issued.serial + "X"):
            result = svc.verify_certificate(s, serial)
            assert result.status == "not_found" and result.status_label == "未找到"
            assert result.masked_name == "" and result.years == ()
        with pytest.raises(ValidationError) as err:
            svc.verify_certificate(s, "  ")
        assert "证书编号" in err.value.errors


def test_public_lookups_are_throttled(db):
    with session_scope() as s:
        for _ in range(svc.VERIFY_LIMIT):
            assert svc.verify_certificate(s, "SC20240101AAAAAAAA").status == "not_found"
        with pytest.raises(Throttled):
            svc.verify_certificate(s, "SC20240101BBBBBBBB")
        # another prefix is not affected
        assert svc.verify_certificate(s, "SC20240102AAAAAAAA").status == "not_found"


def test_provincial_admin_voids_a_certificate_with_a_reason(db):
    with session_scope() as s:
        inst = make_institution(s)
        person = make_person(s, inst)
        issued = svc.issue_certificate(s, person, "combined", THIS_YEAR, THIS_YEAR)
        province, unit_admin = make_admin(s), make_admin(s, inst)
    for actor in (person, unit_admin):
        with session_scope() as s, pytest.raises(NotPermitted):
            registry.void_certificate(s, actor, issued.serial, "信息有误")
    with session_scope() as s, pytest.raises(ValidationError) as err:
        registry.void_certificate(s, province, issued.serial, "  ")
    assert "作废原因" in err.value.errors
    with session_scope() as s, pytest.raises(NotFound):
        registry.void_certificate(s, province, "SC20240101ZZZZZZZZ", "信息有误")
    with session_scope() as s:
        assert svc.verify_certificate(s, issued.serial).status == "genuine"
        registry.void_certificate(s, province, issued.serial, "学分记录更正后重新出具")
    with session_scope() as s:
        result = svc.verify_certificate(s, issued.serial)
        assert result.status == "voided" and result.status_label == "已作废"
        assert result.void_reason == "学分记录更正后重新出具" and result.voided_at
        assert s.scalar(select(AuditLog.after).where(AuditLog.action == "certificate.void"))["status"] == "voided"
    with session_scope() as s, pytest.raises(RecordLocked):
        registry.void_certificate(s, province, issued.serial, "再次作废")


@pytest.mark.parametrize("name, masked", [("张三", "张*"), ("张小三", "张*三"), ("欧阳小明", "欧**明"), ("李", "李")])
def test_mask_name(name, masked):
    assert svc.mask_name(name) == masked
