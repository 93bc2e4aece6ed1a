"""项目库 (省级管理员): the projects whose 项目编号 fills the credit registration form."""
from datetime import date

import pandas as pd
import streamlit as st

from cme import clock
from cme.core import reference
from cme.credits import projects
from cme.credits.entry import FORM_KIND
from cme.credits.projects import ProjectInput
from cme.db import session_scope
from cme.domain.compliance import CREDIT_TYPES
from cme.domain.enums import Role
from cme.domain.inputs import FIRST_YEAR
from ui.confirm import delete_button
from ui.forms import act, show_flash
from ui.session import require_actor

me = require_actor(Role.PROVINCE)
st.header("项目库")
st.caption("个人登记学分时输入项目库中的项目编号，其余信息自动填写。")
show_flash()
YEARS = list(range(clock.today().year + 1, FIRST_YEAR - 1, -1))
with session_scope() as s:
    FORMS = reference.dictionary(s, FORM_KIND)
    SUBJECTS = reference.subjects(s)


def _index(options: list, value) -> int | None:
    return options.index(value) if value in options else None


def project_form(prefix: str, initial: ProjectInput) -> ProjectInput:
    """The project fields; widget keys carry `prefix` so add and edit keep their own state."""
    c1, c2 = st.columns(2)
    code = c1.text_input("项目编号 *", value=initial.code, max_chars=40, key=f"{prefix}_code")
    name = c2.text_input("项目名称 *", value=initial.name, max_chars=200, key=f"{prefix}_name")
    organizer = c1.text_input("主办单位 *", value=initial.organizer, max_chars=200, key=f"{prefix}_organizer")
    year = c2.selectbox("举办年度 *", YEARS, index=_index(YEARS, initial.year), placeholder="请选择", key=f"{prefix}_year")
    types = list(CREDIT_TYPES)
    credit_type = c1.selectbox("学分类型 *", types, index=_index(types, initial.credit_type), placeholder="请选择",
                               key=f"{prefix}_type")
    credits = c2.text_input("学分 *", value="" if initial.credits is None else str(initial.credits),
                            placeholder="大于0，最多一位小数", key=f"{prefix}_credits", max_chars=10)
    form = c1.selectbox("学分获取形式 *", FORMS, index=_index(FORMS, initial.form), placeholder="请选择",
                        key=f"{prefix}_form")
    parents = list(SUBJECTS)
    parent = c2.selectbox("学科分类（一级） *", parents, index=_index(parents, initial.subject_parent),
                          placeholder="请选择", key=f"{prefix}_subject_parent")
    children = SUBJECTS.get(parent, []) if parent else []
    child = c1.selectbox("学科分类（二级） *", children, index=_index(children, initial.subject_child),
                         placeholder="请选择", key=f"{prefix}_subject_child")
    d1, d2 = c2.columns(2)
    date_from = d1.date_input("举办时间 从 *", value=initial.date_from, min_value=date(FIRST_YEAR, 1, 1),
                              key=f"{prefix}_from", format="YYYY-MM-DD")
    date_to = d2.date_input("至 *", value=initial.date_to, min_value=date(FIRST_YEAR, 1, 1), key=f"{prefix}_to", format="YYYY-MM-DD")
    return ProjectInput(code, name, organizer, year, credit_type, credits, form, parent, child, date_from, date_to)


f1, f2, f3 = st.columns([2, 1, 1])
keyword = f1.text_input("关键字", placeholder="项目编号、名称或主办单位", max_chars=50, key="project_keyword")
year_filter = f2.selectbox("举办年度", YEARS, index=None, placeholder="全部", key="project_year_filter")
type_filter = f3.selectbox("学分类型", list(CREDIT_TYPES), index=None, placeholder="全部", key="project_type_filter")
with session_scope() as s:
    rows = projects.list_projects(s, me, keyword=keyword, year=year_filter, credit_type=type_filter)
if rows:
    st.dataframe(pd.DataFrame([r.table_row() for r in rows]), hide_index=True, width="stretch")
else:
    st.info("没有符合条件的项目")

add_tab, edit_tab = st.tabs(["新增项目", "修改/删除"])
with add_tab:
    if st.session_state.pop("_project_new_saved", False):  # a saved project leaves an empty form for the next one
        for k in [k for k in st.session_state if str(k).startswith("project_new_")]:
            del st.session_state[k]
    data = project_form("project_new", ProjectInput())

    def add(s) -> None:
        projects.add_project(s, me, data)
        st.session_state["_project_new_saved"] = True  # only reached when the service accepted it

    if st.button("保存", type="primary", key="project_new_save"):
        act(f"项目“{data.code.strip()}”已新增", add)

with edit_tab:
    by_label = {f"{r.code}　{r.name}": r for r in rows}
    picked = st.selectbox("选择项目（来自上方列表）", list(by_label), index=None, placeholder="请选择", key="project_pick")
    if picked is not None:
        chosen = by_label[picked]
        data = project_form(f"project_edit_{chosen.id}", chosen.as_input())
        c1, c2 = st.columns(2)
        if c1.button("保存修改", type="primary", key=f"project_edit_save_{chosen.id}"):
            act(f"项目“{data.code.strip()}”已修改", lambda s: projects.update_project(s, me, chosen.id, data))
        if delete_button("该项目", key=f"project_delete_{chosen.id}", where=c2):
            act(f"项目“{chosen.code}”已删除", lambda s: projects.delete_project(s, me, chosen.id))
