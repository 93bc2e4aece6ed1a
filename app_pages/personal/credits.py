"""个人学分登记审核: 新增 / 修改 / 删除 / 查看 (manual §6.3). Only 待审 records may change (the service enforces it)."""
from datetime import date

import pandas as pd
import streamlit as st

from cme import clock
from cme.core import reference
from cme.credits import details, drafts, entry, search
from cme.credits.entry import CreditInput
from cme.db import session_scope
from cme.domain.compliance import CREDIT_TYPES, format_credit
from cme.domain.enums import ReviewStatus, Role
from cme.domain.inputs import FIRST_YEAR  # the service enforces it; the widgets only offer the same range
from cme.storage import MAX_PROOF_BYTES, Upload
from ui.credit_view import show_credit_detail
from ui.forms import act, literal, show_flash
from ui.page_style import file_uploader
from ui.session import require_actor
from ui.tables import show_table

me = require_actor(Role.PERSON)
st.header("个人学分登记审核")
show_flash()

FIELDS = drafts.FIELDS
mode = st.session_state.get("credit_mode")  # None | "new" | ("edit", id) | ("view", id)


def _fill(values: CreditInput | None) -> None:
    """Put the record's values (or blanks) into the form widgets' state."""
    for f in FIELDS:
        v = getattr(values, f) if values else None
        if f in ("project_code", "project_name", "organizer", "remark", "credits"):
            v = "" if v is None else str(v)
        st.session_state[f"cf_{f}"] = v


def _open(new_mode, values: CreditInput | None = None) -> None:
    st.session_state["credit_mode"] = new_mode
    _fill(values)
    st.session_state["cf_upload_nonce"] = st.session_state.get("cf_upload_nonce", 0) + 1
    st.rerun()


def _close() -> None:
    st.session_state.pop("credit_mode", None)


def _prefill_from_project() -> None:
    with session_scope() as s:
        p = entry.project_prefill(s, st.session_state.get("cf_project_code", ""))
    if p is None:
        st.session_state["_cf_prefill_msg"] = "项目库中没有该项目编号，请手工填写"
        return
    st.session_state.update({
        "cf_project_name": p.project_name, "cf_organizer": p.organizer, "cf_year": p.year, "cf_credit_type": p.credit_type,
        "cf_credits": format_credit(p.credits), "cf_form": p.form, "cf_subject_parent": p.subject_parent,
        "cf_subject_child": p.subject_child, "cf_date_from": p.date_from, "cf_date_to": p.date_to,
    })
    st.session_state["_cf_prefill_msg"] = "已从项目库填入项目信息"


def credit_form(editing_id: int | None) -> None:
    with session_scope() as s:
        forms = reference.dictionary(s, entry.FORM_KIND)
        tree = reference.subjects(s)
        detail = details.get_credit(s, me, editing_id) if editing_id else None
    today = clock.today()
    with st.container(border=True):
        st.subheader("修改个人学分信息" if editing_id else "新增个人学分信息")
        st.text_input("学分获取人", value=me.name, disabled=True)
        c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
        c1.text_input("项目编号 *", max_chars=40, key="cf_project_code")
        c2.button("从项目库填充", on_click=_prefill_from_project, key="cf_prefill")
        if st.session_state.get("_cf_prefill_msg"):
            st.caption(st.session_state.pop("_cf_prefill_msg"))
        c1, c2 = st.columns(2)
        c1.text_input("获取学分 *", key="cf_credits", placeholder="大于0，最多一位小数", max_chars=10)
        c2.selectbox("学分类型 *", list(CREDIT_TYPES), index=None, placeholder="请选择", key="cf_credit_type")
        c1, c2 = st.columns(2)
        c1.date_input("获取时间 *", value=None, min_value=date(FIRST_YEAR, 1, 1), max_value=today, key="cf_date_from", format="YYYY-MM-DD")
        c2.date_input("至 *", value=None, min_value=date(FIRST_YEAR, 1, 1), max_value=today, key="cf_date_to", format="YYYY-MM-DD")
        c1, c2 = st.columns(2)
        c1.selectbox("学分获取形式 *", forms, index=None, placeholder="请选择", key="cf_form")
        c2.selectbox("举办年度 *", list(range(today.year, FIRST_YEAR - 1, -1)), index=None, placeholder="请选择", key="cf_year")
        st.text_input("项目名称 *", max_chars=200, key="cf_project_name")
        st.text_input("主办单位 *", max_chars=200, key="cf_organizer")
        c1, c2 = st.columns(2)
        parent = c1.selectbox("学科分类 *", list(tree), index=None, placeholder="一级学科", key="cf_subject_parent")
        children = tree.get(parent, []) if parent else []
        if st.session_state.get("cf_subject_child") not in children:
            st.session_state["cf_subject_child"] = None
        c2.selectbox("二级学科 *", children, index=None, placeholder="二级学科", key="cf_subject_child")
        st.text_area("备注说明", max_chars=500, key="cf_remark")
        nonce = st.session_state.get("cf_upload_nonce", 0)
        upload = file_uploader(f"上传图片（JPEG、PNG或PDF，不超过{MAX_PROOF_BYTES // 2**20}MB）", types=["jpg", "jpeg", "png", "pdf"],
                               key=f"cf_upload_{nonce}", max_bytes=MAX_PROOF_BYTES)
        remove = False
        if detail and detail.has_proof:
            st.caption(f"已上传：{literal(detail.proof_name or '证明材料')}（重新上传将替换）")
            remove = st.checkbox("删除已上传的证明材料", key="cf_remove_proof")
        b1, b2, _ = st.columns([1, 1, 6])
        save = b1.button("保存", type="primary", key="cf_save")
        if b2.button("关闭", key="cf_close"):
            if editing_id is None:  # closing abandons what was typed
                with session_scope() as s:
                    drafts.discard_draft(s, me)
            _close()
            st.rerun()
    if editing_id is None:
        keep_draft()
    if save:
        data = CreditInput(**{f: st.session_state.get(f"cf_{f}") for f in FIELDS})
        data.project_code, data.project_name = data.project_code or "", data.project_name or ""
        data.organizer, data.remark = data.organizer or "", data.remark or ""
        if upload is not None:
            data.proof = Upload(upload.getvalue(), upload.name)
        def save_credit(s):
            if editing_id:
                entry.update_credit(s, me, editing_id, data, remove_proof=remove)
            else:
                entry.submit_credit(s, me, data)

        # the form closes only once the record is saved; on an error it stays filled in
        act("学分信息已修改" if editing_id else "学分信息已保存，状态为【待审】", save_credit, clear=("credit_mode",))


def keep_draft() -> None:
    """Save what is typed in the new-credit form on the server whenever it changes, so F5 does not lose it."""
    values = {f: st.session_state.get(f"cf_{f}") for f in FIELDS}
    if values != st.session_state.get("_cf_draft_saved"):
        with session_scope() as s:
            drafts.save_draft(s, me, values)
        st.session_state["_cf_draft_saved"] = values


def restore_draft() -> None:
    """Once per browser session (so after F5): a draft left on the server opens the form with it."""
    if st.session_state.get("credit_mode") is not None or st.session_state.get("_cf_draft_checked"):
        return
    st.session_state["_cf_draft_checked"] = True
    with session_scope() as s:
        draft = drafts.load_draft(s, me)
    if draft:
        st.session_state["_cf_prefill_msg"] = "已恢复上次未保存的填写内容（证明材料需重新上传）"
        _open("new", CreditInput(**draft))


def show_detail(credit_id: int) -> None:
    with st.container(border=True):
        st.subheader("查看个人学分信息")
        show_credit_detail(me, credit_id, key="cd")
        if st.button("关闭", key="cd_close"):
            _close()
            st.rerun()


def open_resubmission() -> None:
    """重新登记 from 首页: a new record pre-filled from the rejected one (the proof must be uploaded again)."""
    rejected_id = st.session_state.pop("credit_resubmit", None)
    if rejected_id is None:
        return
    with session_scope() as s:
        detail = details.get_credit(s, me, rejected_id)
    st.session_state["_cf_prefill_msg"] = (f"重新登记：已填入审核不过的记录，请按审核意见（{detail.reject_reason or '无'}）"
                                           "修改后保存，证明材料需重新上传")
    _open("new", entry.credit_input_of(detail))


open_resubmission()
restore_draft()
with session_scope() as s:
    rows = search.search_credits(s, me)

toolbar = st.columns([1, 1, 1, 1, 4])
if toolbar[0].button("新增", type="primary", icon=":material/add:", key="cl_new"):
    _open("new")
labels = [f"{r.year} · {r.project_code} · {r.project_name} · {r.credit_type} {format_credit(r.credits)}分 · {r.status_label}"
          for r in rows]
picked = st.selectbox("选择一条学分记录", labels, index=None, placeholder="请选择学分记录（只有待审状态的学分记录才可以修改、删除）",
                      key="cl_pick")
chosen = rows[labels.index(picked)] if picked else None
if toolbar[1].button("修改", disabled=chosen is None, key="cl_edit"):
    with session_scope() as s:
        detail = details.get_credit(s, me, chosen.id)
    if chosen.status != ReviewStatus.PENDING:
        st.error("只有待审状态的学分记录才可以修改")
    else:
        _open(("edit", chosen.id), entry.credit_input_of(detail))
if toolbar[2].button("删除", disabled=chosen is None, key="cl_delete"):
    if chosen.status != ReviewStatus.PENDING:  # said at once, not after a confirmation (the service refuses it anyway)
        st.error(entry.LOCKED.format(chosen.status_label))
    else:
        st.session_state["credit_mode"] = mode = ("delete", chosen.id)
if isinstance(mode, tuple) and mode[0] == "delete" and chosen is not None and chosen.id == mode[1]:
    with st.container(border=True):  # confirm before delete: the record named, nothing removed until 确认删除
        st.warning(literal(f"确定删除学分记录“{chosen.project_name}”（{chosen.project_code}）？删除后不能恢复。"))
        yes, no, _ = st.columns([1, 1, 6])
        if no.button("取消", key="cl_delete_cancel"):
            _close()
            st.rerun()
        if yes.button("确认删除", type="primary", key="cl_delete_confirm"):
            act(f"已删除学分记录：{chosen.project_name}", lambda s: entry.delete_credit(s, me, chosen.id),
                clear=("cl_pick", "credit_mode"))
if toolbar[3].button("查看", disabled=chosen is None, key="cl_view"):
    st.session_state["credit_mode"] = ("view", chosen.id)
    mode = st.session_state["credit_mode"]

if mode == "new":
    credit_form(None)
elif isinstance(mode, tuple) and mode[0] == "edit":
    credit_form(mode[1])
elif isinstance(mode, tuple) and mode[0] == "view":
    show_detail(mode[1])

show_table(  # 状态 and 审核意见 first: a rejection and its reason are what a person looks for
    pd.DataFrame([[r.status_label, r.reject_reason, r.project_code, r.project_name, format_credit(r.credits), r.credit_type,
                   r.year, f"{r.date_from} 至 {r.date_to}", r.form, r.organizer] for r in rows],
                 columns=["状态", "审核意见", "项目编号", "项目名称", "学分", "学分类型", "举办年度", "获取时间", "学分获取形式",
                          "主办单位"]),
    key="cl_table", cards=["项目名称", "状态", "审核意见", "学分", "学分类型", "举办年度", "获取时间", "项目编号"],
    empty="暂无学分记录，点击【新增】登记学分",
    column_config={"状态": st.column_config.TextColumn(pinned=True, width="small"),
                   "审核意见": st.column_config.TextColumn(width="medium"),
                   "项目名称": st.column_config.TextColumn(width="large")},
)
