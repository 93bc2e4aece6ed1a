"""个人学分标准设置: 新增 (年度, 机构所属区域等级, 技术职称 → 执行标准 at once) and 删除 (manual §6.1)."""
import pandas as pd
import streamlit as st

from cme.core import reference
from cme.db import session_scope
from cme.domain.compliance import format_credit
from cme.domain.enums import Role
from cme.domain.standards import levels_at_or_above
from cme.errors import DomainError
from cme.standards import personal as standards
from ui.confirm import delete_button
from ui.forms import act, choose, show_error, show_flash
from ui.session import require_actor

me = require_actor(Role.PERSON)
st.header("个人学分标准设置")
show_flash()

with session_scope() as s:
    mine = standards.list_personal_standards(s, me)
    titles = list(reference.titles(s))
    own_level = standards.institution_level(s, me)

with st.container(border=True):
    st.subheader("个人学分标准新增")
    c1, c2, c3 = st.columns([1, 2, 3])
    year = c1.selectbox("年度 *", standards.year_options(), index=None, placeholder="请选择年度", key="std_year")
    # the institution's level is the default; a lower one would lower the requirements and is refused
    levels = list(levels_at_or_above(own_level))
    if own_level and st.session_state.get("std_level") is None:
        st.session_state["std_level"] = own_level
    with c2:
        level = choose("机构所属区域等级 *", levels, key="std_level",
                       help=f"本机构的区域等级为“{own_level}”，不能选择更低的等级" if own_level else None)
    title = c3.selectbox("技术职称 *", titles, index=None, placeholder="请选择", key="std_title")
    preview = None
    if year and level and title:
        try:
            with session_scope() as s:
                preview = standards.preview_standard(s, year, level, title)
        except DomainError as e:
            show_error(e)
    p1, p2, p3, p4 = st.columns(4)
    p1.text_input("执行标准 *", value=f"{preview.code} {preview.name}" if preview else "", disabled=True)
    p2.text_input(f"国家级一类 * [分/{preview.cycle_years if preview else 6}年]",
                  value=format_credit(preview.national_i_per_cycle) if preview else "", disabled=True)
    p3.text_input("省级一类 * [分/1年]", value=format_credit(preview.provincial_i_per_year) if preview else "",
                  disabled=True)
    p4.text_input("省级二类 * [分/1年]", value=format_credit(preview.class_ii_per_year) if preview else "",
                  disabled=True)
    if st.button("保存", type="primary", key="std_save"):
        act(f"{year}年度学分标准已保存", lambda s: standards.add_personal_standard(s, me, year, level, title),
            clear=("std_year", "std_level", "std_title"))

st.subheader("我的学分标准")
if not mine:
    st.info("尚未设置个人学分标准")
    st.stop()
st.dataframe(pd.DataFrame([[r.year, r.region_level, r.title, r.code, r.name, format_credit(r.national_i_per_cycle),
                            format_credit(r.provincial_i_per_year), format_credit(r.class_ii_per_year)] for r in mine],
                          columns=["年度", "机构所属区域等级", "技术职称", "执行标准", "学分标准", "国I(分/周期)", "省I(分/年)",
                                   "II类(分/年)"]),
             hide_index=True, width="stretch")
labels = [f"{r.year}年度 · {r.code} · {r.title}" for r in mine]
picked = st.selectbox("选择一个学分标准", labels, index=None, placeholder="请选择", key="std_pick")
if delete_button("该学分标准", key="std_delete", disabled=picked is None):
    chosen = mine[labels.index(picked)]
    act(f"已删除{chosen.year}年度学分标准", lambda s: standards.delete_personal_standard(s, me, chosen.id), clear=("std_pick",))
