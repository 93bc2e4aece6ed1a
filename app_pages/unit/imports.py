"""批量导入: template download, CSV/XLSX upload, check or import, the report of every refused row."""
import pandas as pd
import streamlit as st

from cme.credits import imports
from cme.db import session_scope
from cme.domain.enums import Role
from cme.errors import DomainError
from ui.forms import literal, show_error
from ui.page_style import file_uploader
from ui.session import require_actor

me = require_actor(Role.UNIT, Role.PROVINCE)
st.header("批量导入")
st.caption("导入本机构人员的学分（省级管理员可导入全省人员）。导入的学分直接为【审核通过】，来源记为“批量导入”；"
           "同一人员、同一项目编号、同一举办年度已有记录的行计为“已存在”，重复导入同一文件不会重复登记。"
           f"文件为 CSV（UTF-8）或 XLSX，不超过 {imports.MAX_BYTES // 1024 // 1024}MB、{imports.MAX_ROWS} 行，第一行须为模板表头。")

a, b, _ = st.columns([1, 1, 2])
a.download_button("下载导入模板（XLSX）", imports.template_xlsx(), file_name="学分批量导入模板.xlsx",
                  mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="import_tpl_xlsx")
b.download_button("下载导入模板（CSV）", imports.template_csv(), file_name="学分批量导入模板.csv", mime="text/csv",
                  key="import_tpl_csv")
with st.expander("表头与填写说明"):
    st.table(pd.DataFrame(imports.TEMPLATE_NOTES, columns=["列", "说明"]))


def _picked() -> None:  # keep only plain bytes in the session, never the upload object's lifetime
    f = st.session_state.get("import_file")
    st.session_state["import_data"] = (f.name, f.getvalue()) if f is not None else None
    st.session_state.pop("import_report", None)


file_uploader("选择导入文件（CSV 或 XLSX）", types=["csv", "xlsx"], key="import_file", max_bytes=imports.MAX_BYTES,
              on_change=_picked)
picked = st.session_state.get("import_data")
c1, c2, _ = st.columns([1, 1, 2])
check = c1.button("检查（不保存）", disabled=picked is None, key="import_check")
run = c2.button("导入", type="primary", disabled=picked is None, key="import_run")
if (check or run) and picked is not None:
    bar = st.progress(0.0, text="正在读取文件…")

    def _progress(done: int, expected: int) -> None:
        bar.progress(min(done / expected, 1.0), text=f"已处理 {done} / 约 {expected} 行")

    try:
        with session_scope() as s:
            st.session_state["import_report"] = imports.import_credits(s, me, picked[0], picked[1], dry_run=check,
                                                                       progress=_progress)
        bar.empty()
    except DomainError as e:
        bar.empty()
        st.session_state.pop("import_report", None)
        show_error(e)
        st.caption("文件未导入，没有保存任何数据。")

report = st.session_state.get("import_report")
if report is None:
    st.stop()
st.divider()
st.subheader(("检查结果（未保存）" if report.dry_run else "导入结果") + f"：{literal(report.filename)}")
(st.info if report.dry_run else st.success)(report.summary())
m1, m2, m3, m4 = st.columns(4)
m1.metric("文件行数", report.rows)
m2.metric("可导入" if report.dry_run else "导入成功", report.accepted)
m3.metric("已存在", report.existing)
m4.metric("拒绝", report.refused_count)
if report.dry_run and report.accepted:
    st.caption("确认无误后点击【导入】；被拒绝的行不会导入，可更正后再次导入同一文件。")
if report.refused:
    st.markdown("**被拒绝的行**（行号为表格中的行号，表头为第1行）")
    table = pd.DataFrame(imports.refused_table(report), columns=imports.REFUSED_COLUMNS)
    st.dataframe(table, hide_index=True, width="stretch")
    st.download_button("下载拒绝明细（CSV）", imports.refused_csv(report),
                       file_name="批量导入拒绝明细.csv", mime="text/csv", key="import_refused_csv")
