"""AppTest for 批量导入: templates, check without saving, import, the refused-row report."""
from __future__ import annotations

from sqlalchemy import func, select

from cme.db import session_scope
from cme.models import CreditRecord
from tests.apptest import open_page
from tests.factories import PASSWORD, make_admin, make_institution, make_person
from tests.integration.test_imports import id_of, row, to_csv

PAGE = "app_pages/unit/imports.py"


def credit_count() -> int:
    with session_scope() as s:
        return s.scalar(select(func.count()).select_from(CreditRecord))


def texts(at) -> str:
    return "\n".join(str(e.value) for e in (*at.success, *at.info, *at.error, *at.markdown, *at.caption))


def setup_people():
    with session_scope() as s:
        inst = make_institution(s)
        return make_person(s, inst), make_admin(s, inst), make_person(s, make_institution(s))


def with_file(at, name: str, data: bytes):
    # AppTest cannot drive st.file_uploader; the page keeps the picked file's bytes under this key
    at.session_state["import_data"] = (name, data)
    return at.run()


def test_check_then_import_then_reimport(sqlite_db):
    person, admin, outsider = setup_people()
    at = open_page(PAGE, username=admin.username, password=PASSWORD)
    assert not at.exception
    assert at.header[0].value == "批量导入"
    assert at.button(key="import_run").disabled  # nothing picked yet
    data = to_csv([row(id_of(person), "A1"), row(id_of(person), "A2", 学分类型="四类"), row(id_of(outsider), "A3")])
    at = with_file(at, "学分.csv", data)
    at.button(key="import_check").click().run()
    assert "共 3 行：可导入 1 条，已存在 0 条（未重复导入），拒绝 2 条" in texts(at) and "检查结果（未保存）" in at.subheader[0].value
    assert credit_count() == 0
    refused = at.dataframe[0].value
    assert list(refused.columns) == ["行号", "身份证号", "项目编号", "拒绝原因"]
    assert refused.values.tolist() == [
        [3, refused.iloc[0, 1], "A2", "学分类型：不在可选范围内"],
        [4, refused.iloc[1, 1], "A3", "身份证号：本机构无此人员"],
    ]
    assert "****" in refused.iloc[1, 1] and id_of(outsider) not in texts(at)
    at.button(key="import_run").click().run()
    assert "共 3 行：导入成功 1 条" in texts(at) and credit_count() == 1
    at.button(key="import_run").click().run()
    assert "导入成功 0 条，已存在 1 条" in texts(at) and credit_count() == 1


def test_malformed_file_is_refused_whole(sqlite_db):
    person, admin, _ = setup_people()
    at = open_page(PAGE, username=admin.username, password=PASSWORD)
    at = with_file(at, "x.csv", "身份证号,学分\n1,2\n".encode())
    at.button(key="import_run").click().run()
    assert not at.exception
    assert "导入文件：表头不正确（缺少列：项目编号" in at.error[0].value
    assert "没有保存任何数据" in texts(at) and not at.dataframe and credit_count() == 0


def test_persons_cannot_open_the_page(sqlite_db):
    person, _, _ = setup_people()
    at = open_page(PAGE, username=person.username, password=PASSWORD)
    assert at.error[0].value == "无权访问该页面" and not at.button


def test_province_admin_imports_anyone(sqlite_db):
    _, _, outsider = setup_people()
    with session_scope() as s:
        province = make_admin(s)
    at = open_page(PAGE, username=province.username, password=PASSWORD)
    at = with_file(at, "p.csv", to_csv([row(id_of(outsider), "P1")]))
    at.button(key="import_run").click().run()
    assert "导入成功 1 条" in texts(at) and credit_count() == 1
