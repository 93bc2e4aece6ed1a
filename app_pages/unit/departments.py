"""科室管理 (单位管理员): add, rename, deactivate/re-activate, delete an empty department."""
import pandas as pd
import streamlit as st

from cme.administration import departments
from cme.db import session_scope
from cme.domain.enums import Role
from ui.confirm import delete_button
from ui.forms import act, show_flash
from ui.session import require_actor

me = require_actor(Role.UNIT)
st.header("科室管理")
st.caption("科室名称在本机构内不能重复。已有人员的科室不能删除，只能停用；停用后注册和调动时不再显示。")
show_flash()


with st.form("dept_new", clear_on_submit=True):
    new_name = st.text_input("科室名称 *", max_chars=50)
    if st.form_submit_button("新增科室", type="primary"):
        act(f"科室“{new_name.strip()}”已新增", lambda s: departments.add_department(s, me, new_name))

with session_scope() as s:
    rows = departments.list_departments(s, me)
if not rows:
    st.info("本机构还没有科室，请先新增")
    st.stop()
st.dataframe(pd.DataFrame([[r.name, r.status, r.staff] for r in rows], columns=["科室名称", "状态", "人员数"]),
             hide_index=True, width="stretch")

by_label = {f"{r.name}（{r.status}，{r.staff}人）": r for r in rows}
picked = st.selectbox("选择科室", list(by_label), index=None, placeholder="请选择", key="dept_pick")
if picked is None:
    st.stop()
dept = by_label[picked]
with st.form(f"dept_rename_{dept.id}"):
    renamed = st.text_input("新科室名称 *", value=dept.name, max_chars=50)
    if st.form_submit_button("改名"):
        act(f"科室“{dept.name}”已改名为“{renamed.strip()}”", lambda s: departments.rename_department(s, me, dept.id, renamed))
c1, c2 = st.columns(2)
if dept.active:
    if c1.button("停用", key=f"dept_off_{dept.id}"):
        act(f"科室“{dept.name}”已停用", lambda s: departments.set_department_active(s, me, dept.id, False))
elif c1.button("启用", key=f"dept_on_{dept.id}"):
    act(f"科室“{dept.name}”已启用", lambda s: departments.set_department_active(s, me, dept.id, True))
if delete_button("该科室", key=f"dept_delete_{dept.id}", where=c2):
    act(f"科室“{dept.name}”已删除", lambda s: departments.delete_department(s, me, dept.id))
