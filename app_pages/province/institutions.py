"""机构管理 (省级管理员): search, add, edit, deactivate institutions; their departments and 单位管理员
(create, 停用 / 启用 with a confirmation)."""
import pandas as pd
import streamlit as st

from cme.accounts import staff_accounts
from cme.administration import departments, institutions
from cme.core import reference
from cme.db import session_scope
from cme.domain.enums import Role
from cme.domain.standards import REGION_LEVELS
from ui.forms import act, choose, literal, show_flash
from ui.session import require_actor

me = require_actor(Role.PROVINCE)
st.header("机构管理")
show_flash()


with session_scope() as s:
    province = reference.regions(s, None)[0]
    cities = {r.code: r.name for r in reference.regions(s, province.code)}


def region_picker(prefix: str, city_label: str, district_label: str, district_placeholder: str) -> str | None:
    """市州 › 区县 cascade; returns the district code, else the city code, else None."""
    c1, c2 = st.columns(2)
    city = c1.selectbox(city_label, list(cities), format_func=cities.get, index=None, placeholder="请选择市州",
                        key=f"{prefix}_city")
    with session_scope() as s:
        districts = {r.code: r.name for r in reference.regions(s, city)} if city else {}
    district = c2.selectbox(district_label, list(districts), format_func=districts.get, index=None,
                            placeholder=district_placeholder, key=f"{prefix}_district")
    return district or city


st.subheader("机构列表")
k1, k2 = st.columns([1, 2])
keyword = k1.text_input("关键字", placeholder="机构名称或编码", max_chars=50, key="inst_keyword")
with k2:
    region = region_picker("inst_filter", "市州", "区县", "全部区县")
with session_scope() as s:
    rows = institutions.list_institutions(s, me, keyword=keyword, region_code=region)
if rows:
    st.dataframe(pd.DataFrame([[r.code, r.name, r.city, r.district, r.region_level, r.status, r.departments, r.staff,
                                r.admins] for r in rows],
                              columns=["机构编码", "机构名称", "市州", "区县", "机构所属区域等级", "状态", "科室数", "人员数",
                                       "单位管理员"]),
                 hide_index=True, width="stretch")
else:
    st.info("没有符合条件的机构")

add_tab, edit_tab, dept_tab, admin_tab = st.tabs(["新增机构", "修改/停用", "科室", "单位管理员"])

with add_tab:
    code = st.text_input("机构编码 *", max_chars=32, key="inst_new_code")
    name = st.text_input("机构名称 *", max_chars=100, key="inst_new_name")
    new_region = region_picker("inst_new", "市州 *", "区县", "请选择区县")
    level = choose("机构所属区域等级 *", list(REGION_LEVELS), key="inst_new_level")
    if st.button("保存", type="primary", key="inst_new_save"):
        act(f"机构“{name.strip()}”已新增", lambda s: institutions.add_institution(
            s, me, code=code, name=name, region_code=new_region, region_level=level))

by_label = {f"{r.code}　{r.name}（{r.status}）": r for r in rows}


def pick_institution(key: str):
    picked = st.selectbox("选择机构（来自上方列表）", list(by_label), index=None, placeholder="请选择", key=key)
    return by_label.get(picked)


with edit_tab:
    inst = pick_institution("inst_edit_pick")
    if inst is not None:
        with st.form(f"inst_edit_{inst.id}"):
            new_name = st.text_input("机构名称 *", value=inst.name, max_chars=100)
            new_level = st.selectbox("机构所属区域等级 *", list(REGION_LEVELS), index=list(REGION_LEVELS).index(inst.region_level)
                                     if inst.region_level in REGION_LEVELS else None, placeholder="请选择")
            if st.form_submit_button("保存修改", type="primary"):
                act(f"机构“{new_name.strip()}”已修改", lambda s: institutions.update_institution(
                    s, me, inst.id, name=new_name, region_level=new_level))
        if inst.active:
            if st.button("停用机构", key=f"inst_off_{inst.id}", help="停用后注册和调动时不再显示该机构"):
                act(f"机构“{inst.name}”已停用", lambda s: institutions.set_institution_active(s, me, inst.id, False))
        elif st.button("启用机构", key=f"inst_on_{inst.id}"):
            act(f"机构“{inst.name}”已启用", lambda s: institutions.set_institution_active(s, me, inst.id, True))

with dept_tab:
    inst = pick_institution("inst_dept_pick")
    if inst is not None:
        with session_scope() as s:
            depts = departments.list_departments(s, me, inst.id)
        if depts:
            st.dataframe(pd.DataFrame([[d.name, d.status, d.staff] for d in depts], columns=["科室名称", "状态", "人员数"]),
                         hide_index=True, width="stretch")
        else:
            st.info("该机构还没有科室")
        with st.form(f"inst_dept_{inst.id}", clear_on_submit=True):
            dept_name = st.text_input("科室名称 *", max_chars=50)
            if st.form_submit_button("新增科室", type="primary"):
                act(f"{inst.name}：科室“{dept_name.strip()}”已新增",
                     lambda s: institutions.add_department(s, me, inst.id, dept_name))

with admin_tab:
    inst = pick_institution("inst_admin_pick")
    if inst is not None:
        st.caption(f"现有单位管理员：{literal(inst.admins or '无')}。密码至少8位，须同时包含字母和数字，不能包含用户名。")
        with st.form(f"inst_admin_{inst.id}", clear_on_submit=True):
            a1, a2 = st.columns(2)
            username = a1.text_input("用户名 *", max_chars=20)
            real_name = a2.text_input("姓名 *", max_chars=50)
            password = a1.text_input("密码 *", type="password", max_chars=128)
            password2 = a2.text_input("确认密码 *", type="password", max_chars=128)
            if st.form_submit_button("创建单位管理员", type="primary"):
                act(f"{inst.name} 的单位管理员 {username.strip()} 已创建",
                     lambda s: institutions.create_unit_admin(s, me, inst.id, username=username, name=real_name,
                                                              password=password, password2=password2))

        st.markdown("**停用 / 启用单位管理员**")
        with session_scope() as s:
            admins = staff_accounts.list_unit_admins(s, me, inst.id)
        if not admins:
            st.info("该机构还没有单位管理员")
        else:
            st.dataframe(pd.DataFrame([[a.username, a.name, a.status, a.last_login] for a in admins],
                                      columns=["用户名", "姓名", "状态", "最近登录"]), hide_index=True, width="stretch")
            labels = {a.user_id: f"{a.username}（{a.name}，{a.status}）" for a in admins}
            target = st.selectbox("选择单位管理员", list(labels), format_func=labels.get, index=None, placeholder="请选择",
                                  key=f"inst_admin_target_{inst.id}")
            chosen = next((a for a in admins if a.user_id == target), None)
            if chosen is not None:
                enable = chosen.status == "已停用"
                verb = "启用" if enable else "停用"
                st.caption("停用后该管理员立即退出登录，不能再登录或办理任何业务，已办理的记录保留；可随时启用。")
                sure = st.checkbox(f"确认{verb}单位管理员 {literal(chosen.username)}（{literal(chosen.name)}）的账号",
                                   key=f"inst_admin_sure_{chosen.user_id}_{verb}")
                if st.button(f"{verb}账号", type="primary", disabled=not sure, key=f"inst_admin_toggle_{chosen.user_id}"):
                    act(f"已{verb}单位管理员 {chosen.username} 的账号",
                        lambda s: staff_accounts.set_account_active(s, me, chosen.user_id, enable))
