"""学分标准管理 (省级管理员): the standards table per year and its versions by effective year."""
import pandas as pd
import streamlit as st

from cme import clock
from cme.db import session_scope
from cme.domain.enums import Role
from cme.domain.standards import REGION_LEVELS, STANDARD_LEVELS
from cme.standards import table as standards_admin
from cme.standards.table import ALL_LEVELS, StandardInput
from ui.forms import act, show_flash
from ui.session import require_actor

me = require_actor(Role.PROVINCE)
st.header("学分标准管理")
st.caption("每个标准按生效年度分版本：某年度执行该年度及以前最近生效的版本。已被个人学分标准引用的版本不能修改或删除，"
           "请新增一个从以后年度生效的版本。")
show_flash()
YEARS = standards_admin.in_force_year_options()
TITLE_LEVELS = [*STANDARD_LEVELS, ALL_LEVELS]


def _index(options: list, value) -> int | None:
    return options.index(value) if value in options else None


def standard_form(prefix: str, initial: StandardInput, *, lock_code: bool = False) -> StandardInput:
    c1, c2, c3 = st.columns(3)
    code = c1.text_input("编码 *", value=initial.code, max_chars=20, disabled=lock_code, key=f"{prefix}_code")
    name = c2.text_input("名称 *", value=initial.name, max_chars=50, key=f"{prefix}_name")
    year = c3.selectbox("生效年度 *", YEARS, index=_index(YEARS, initial.effective_year), placeholder="请选择",
                        key=f"{prefix}_year")
    national = c1.text_input("国家级I类/周期 *", value=str(initial.national_i_per_cycle or "0"), key=f"{prefix}_national", max_chars=10)
    cycle = c2.number_input("周期年数 *", min_value=1, max_value=10, value=int(initial.cycle_years or 6), step=1,
                            key=f"{prefix}_cycle")
    provincial = c3.text_input("省级I类/年 *", value=str(initial.provincial_i_per_year or "0"), key=f"{prefix}_provincial", max_chars=10)
    class_ii = c1.text_input("II类/年 *", value=str(initial.class_ii_per_year or "0"), key=f"{prefix}_class_ii", max_chars=10)
    total = c2.text_input("合计/年 *", value=str(initial.total_per_year or "0"), key=f"{prefix}_total", max_chars=10)
    levels = list(REGION_LEVELS)
    region = c3.selectbox("机构所属区域等级 *", levels, index=_index(levels, initial.region_level), placeholder="请选择",
                          key=f"{prefix}_region")
    title = c1.selectbox("职称级别 *", TITLE_LEVELS, index=_index(TITLE_LEVELS, initial.title_level or ALL_LEVELS),
                         key=f"{prefix}_title")
    return StandardInput(initial.code if lock_code else code, name, year, national, cycle, provincial, class_ii, total,
                         region, title)


year = st.selectbox("年度", YEARS, index=_index(YEARS, clock.today().year), key="std_year")
with session_scope() as s:
    in_force = standards_admin.standards_in_force(s, me, year)
    versions = standards_admin.all_versions(s, me)
st.subheader(f"{year}年执行的学分标准")
st.dataframe(pd.DataFrame([v.table_row() for v in in_force]), hide_index=True, width="stretch")
with st.expander(f"全部版本（{len(versions)}）"):
    st.dataframe(pd.DataFrame([v.table_row() for v in versions]), hide_index=True, width="stretch")

add_tab, edit_tab = st.tabs(["新增版本", "修改/删除未引用的版本"])
with add_tab:
    st.caption("选择一个现有标准作为底稿（或留空新建标准），修改金额并选择从哪一年起生效。")
    bases = {f"{v.code}　{v.name}（{v.effective_year}年起）": v for v in in_force}
    base_label = st.selectbox("底稿", list(bases), index=None, placeholder="新建标准", key="std_base")
    base = bases.get(base_label)
    initial = base.as_input() if base else StandardInput(cycle_years=6)
    initial.effective_year = year + 1 if year + 1 in YEARS else year
    data = standard_form(f"std_new_{base.id if base else 'blank'}", initial)
    if st.button("保存新版本", type="primary", key="std_new_save"):
        act(f"{data.code.strip().upper()} 的新版本已保存（{data.effective_year}年起生效）",
             lambda s: standards_admin.add_standard_version(s, me, data))

with edit_tab:
    editable = {f"{v.code}　{v.name}（{v.effective_year}年起）": v for v in versions if not v.locked}
    locked = len(versions) - len(editable)
    st.caption(f"已被个人学分标准引用而不能修改的版本：{locked} 个。")
    picked = st.selectbox("选择版本", list(editable), index=None, placeholder="请选择", key="std_edit_pick")
    if picked is not None:
        chosen = editable[picked]
        data = standard_form(f"std_edit_{chosen.id}", chosen.as_input(), lock_code=True)
        c1, c2 = st.columns(2)
        if c1.button("保存修改", type="primary", key=f"std_edit_save_{chosen.id}"):
            act(f"{chosen.code}（{data.effective_year}年起）已修改",
                 lambda s: standards_admin.update_standard_version(s, me, chosen.id, data))
        confirm = c2.checkbox("确认删除该版本", key=f"std_delete_confirm_{chosen.id}")
        if c2.button("删除", disabled=not confirm, key=f"std_delete_{chosen.id}"):
            act(f"{chosen.code}（{chosen.effective_year}年起）已删除",
                 lambda s: standards_admin.delete_standard_version(s, me, chosen.id))
