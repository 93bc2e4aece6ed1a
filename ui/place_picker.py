"""机构单位 cascade used by 个人注册 and 用户注册信息修改: 省 › 市 › 区县 › 机构 (keyword) › 科室."""
from __future__ import annotations

import streamlit as st

from cme.core import reference
from cme.db import session_scope


def _index(options: list, value) -> int | None:
    return options.index(value) if value in options else None


def pick_place(prefix: str, *, institution_id: int | None = None, region_code: str | None = None,
               department_id: int | None = None) -> tuple[int | None, int | None]:
    """The chosen (institution id, department id); initial values preselect an existing choice."""
    with session_scope() as s:
        province = reference.regions(s, None)[0]
        cities = {r.code: r.name for r in reference.regions(s, province.code)}
        city_of_initial = None
        if region_code:
            city_of_initial = region_code if region_code in cities else next(
                (c for c in cities if region_code in {d.code for d in reference.regions(s, c)}), None)
    c1, c2, c3 = st.columns(3)
    c1.selectbox("省 *", [province.name], key=f"{prefix}_province", disabled=True)
    city_codes = list(cities)
    city = c2.selectbox("市 *", city_codes, format_func=cities.get, index=_index(city_codes, city_of_initial),
                        placeholder="请选择市州", key=f"{prefix}_city")
    with session_scope() as s:
        districts = {r.code: r.name for r in reference.regions(s, city)} if city else {}
    district_codes = list(districts)
    district = c3.selectbox("区县", district_codes, format_func=districts.get,
                            index=_index(district_codes, region_code), placeholder="全部区县", key=f"{prefix}_district")
    k1, k2 = st.columns([1, 2])
    keyword = k1.text_input("机构关键字", placeholder="输入关键字搜索机构", max_chars=30, key=f"{prefix}_keyword")
    with session_scope() as s:
        found = reference.institutions(s, region_code=district or city, keyword=keyword)
    names = {i.id: i.name for i in found}
    inst_ids = list(names)
    inst = k2.selectbox("机构单位 *", inst_ids, format_func=names.get, index=_index(inst_ids, institution_id),
                        placeholder="请选择机构" if inst_ids else "没有符合条件的机构", key=f"{prefix}_institution")
    dept = None
    if inst is not None:
        with session_scope() as s:
            depts = dict(reference.departments(s, inst))
        dept_ids = list(depts)
        dept = st.selectbox("科室 *", dept_ids, format_func=depts.get, index=_index(dept_ids, department_id),
                            placeholder="请选择科室", key=f"{prefix}_department")
    return inst, dept
