"""字典管理 (省级管理员): the options of every form — add, rename, 停用/启用, reorder."""
import pandas as pd
import streamlit as st

from cme.administration import dictionaries as da
from cme.core.reference import TITLE_KIND
from cme.db import session_scope
from cme.domain.enums import Role
from cme.domain.standards import TITLE_LEVELS, parse_title_label
from ui.forms import act, choose, show_flash
from ui.session import require_actor

me = require_actor(Role.PROVINCE)
st.header("字典管理")
st.caption("停用的项目不再出现在各表单中，已使用它的记录保持不变。系统预置的项目只能停用，不能改名；"
           "管理员新增且尚未被记录使用的项目可以改名。")
show_flash()

with session_scope() as s:
    kinds = da.list_kinds(s, me)
by_kind = {k.kind: k for k in kinds}
picked = st.selectbox("字典", list(by_kind), key="dict_kind",
                      format_func=lambda k: f"{k}（{by_kind[k].active}/{by_kind[k].items} 项启用）")
kind = by_kind[picked]

parent_id, parent_name = None, None
if kind.two_level:
    with session_scope() as s:
        parents = {r.name: r.id for r in da.list_items(s, me, kind.kind)}
    parent_name = choose("一级分类", list(parents), key="dict_parent", placeholder="不选：管理一级分类本身")
    parent_id = parents.get(parent_name)

with session_scope() as s:
    rows = da.list_items(s, me, kind.kind, parent_id)
level_name = f"“{parent_name}”的二级分类" if parent_name else ("一级分类" if kind.two_level else kind.kind)
st.subheader(level_name)
if kind.read_only:
    st.info(da.READ_ONLY[kind.kind])
if rows:
    st.dataframe(pd.DataFrame([r.table_row(kind.kind) for r in rows]), hide_index=True, width="stretch",
                 column_config={"序号": st.column_config.NumberColumn(width="small"),
                                "名称": st.column_config.TextColumn(width="large")})
else:
    st.info("还没有项目，请新增")
if kind.read_only:
    st.stop()

add_tab, edit_tab = st.tabs(["新增", "修改/停用/排序"])
with add_tab, st.form(f"dict_new_{kind.kind}_{parent_id}", clear_on_submit=True):
    if kind.kind == TITLE_KIND:
        c1, c2, c3 = st.columns(3)
        series = c1.text_input("职称系列 *", max_chars=30, placeholder="如：技师系列")
        title = c2.text_input("职称名称 *", max_chars=30, placeholder="如：副主任技师")
        level = c3.selectbox("职称级别 *", TITLE_LEVELS, index=None, placeholder="请选择")
        if st.form_submit_button("新增", type="primary"):
            act(f"技术职称“{series.strip()} - {title.strip()}({level})”已新增",
                lambda s: da.add_title(s, me, series, title, level))
    else:
        name = st.text_input("名称 *", max_chars=da.MAX_LEN.get(kind.kind, da.DEFAULT_MAX_LEN))
        if st.form_submit_button("新增", type="primary"):
            act(f"“{name.strip()}”已新增", lambda s: da.add_item(s, me, kind.kind, name, parent_id))

with edit_tab:
    by_id = {r.id: r for r in rows}
    chosen = choose("选择项目（来自上方列表）", list(by_id), key=f"dict_pick_{kind.kind}_{parent_id}",
                    format_func=lambda i: f"{by_id[i].position}. {by_id[i].name}（{by_id[i].status}）")
    if chosen is None:
        st.stop()
    item = by_id[chosen]
    c1, c2, c3 = st.columns(3)
    if c1.button("上移", key=f"dict_up_{item.id}", disabled=item.position == 1):
        act(f"“{item.name}”已上移", lambda s: da.move_item(s, me, item.id, -1))
    if c2.button("下移", key=f"dict_down_{item.id}", disabled=item.position == len(rows)):
        act(f"“{item.name}”已下移", lambda s: da.move_item(s, me, item.id, 1))
    if item.active:
        if c3.button("停用", key=f"dict_off_{item.id}"):
            act(f"“{item.name}”已停用", lambda s: da.set_item_active(s, me, item.id, False))
    elif c3.button("启用", key=f"dict_on_{item.id}", type="primary"):
        act(f"“{item.name}”已启用", lambda s: da.set_item_active(s, me, item.id, True))

    if item.seeded:
        st.caption(da.SEEDED)
    else:
        with st.form(f"dict_rename_{item.id}"):
            if kind.kind == TITLE_KIND:
                old_series, old_title, old_level = parse_title_label(item.name)
                c1, c2, c3 = st.columns(3)
                series = c1.text_input("职称系列 *", value=old_series, max_chars=30)
                title = c2.text_input("职称名称 *", value=old_title, max_chars=30)
                level = c3.selectbox("职称级别 *", TITLE_LEVELS, index=TITLE_LEVELS.index(old_level))
                if st.form_submit_button("改名"):
                    act(f"“{item.name}”已改名为“{series.strip()} - {title.strip()}({level})”",
                        lambda s: da.rename_title(s, me, item.id, series, title, level))
            else:
                renamed = st.text_input("新名称 *", value=item.name,
                                        max_chars=da.MAX_LEN.get(kind.kind, da.DEFAULT_MAX_LEN))
                if st.form_submit_button("改名"):
                    act(f"“{item.name}”已改名为“{renamed.strip()}”", lambda s: da.rename_item(s, me, item.id, renamed))
