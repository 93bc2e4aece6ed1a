"""个人学分标准查询: the person's row per year (masked 身份证号) and the 学分标准列表 (manual fig. 23)."""
import pandas as pd
import streamlit as st

from cme import clock
from cme.db import session_scope
from cme.domain.compliance import format_credit
from cme.domain.enums import Role
from cme.standards import personal as standards
from ui.session import require_actor

me = require_actor(Role.PERSON)
st.header("个人学分标准查询")
options = ["全部年度"] + standards.year_options()
year = st.selectbox("年度", options, index=0, key="stdq_year")
with session_scope() as s:
    rows = standards.query_personal_standards(s, me, year=None if year == "全部年度" else year)
    table = standards.standards_table(s, None if year == "全部年度" else year)

st.subheader("个人学分标准")
st.dataframe(pd.DataFrame([[r.year, r.id_number_masked, r.name, r.sex, r.age, r.major, r.title, r.department, r.code,
                            r.national_i, r.provincial_i, r.class_ii] for r in rows],
                          columns=["年度", "身份证号", "姓名", "性别", "年龄", "专业", "职称", "所属部门", "学分执行标准", "国I", "省I",
                                   "II类"]),
             hide_index=True, width="stretch")
st.subheader("学分标准列表")
st.caption(f"{year if year != '全部年度' else clock.today().year}年度执行的学分标准")
st.dataframe(pd.DataFrame([[n, t.code, t.name, format_credit(t.national_i_per_cycle), format_credit(t.provincial_i_per_year),
                            format_credit(t.class_ii_per_year), format_credit(t.total_per_year)] for n, t in enumerate(table, 1)],
                          columns=["#", "学分标准编号", "学分标准", "国家级(分/6年)", "省I类(分/年)", "省II类(分/年)", "总分(分/年)"]),
             hide_index=True, width="stretch")
