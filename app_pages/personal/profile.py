"""用户档案管理 (manual §7.1): 修改 (six tabs) · 简历 · 变更详情. Every save → 请等待审核."""
from datetime import date

import pandas as pd
import streamlit as st

from cme.clock import today
from cme.db import session_scope
from cme.domain import profile_fields as pf
from cme.domain.enums import Role
from cme.errors import DomainError
from cme.profile import change_review, changes, resume
from ui.forms import act, flash_and_rerun, literal, show_error, show_flash
from ui.page_style import file_uploader
from ui.profile_view import show_diff, show_resume, status_label
from ui.session import require_actor

me = require_actor(Role.PERSON)
st.header("用户档案管理")

with session_scope() as s:
    state = changes.profile_state(s, me)

if state.pending_id:
    st.info(f"您的档案变更已提交（{state.pending_since}），请等待审核。审核通过前，生效的仍是原档案；可继续修改。")
elif state.last_rejection:
    st.warning(f"上次档案变更审核不通过，原因：{literal(state.last_rejection)}。请修改后重新保存。")

view = st.segmented_control("操作", ["修改", "简历", "变更详情"], default="修改", key="profile_view", label_visibility="collapsed")


def _as_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _widget(f: pf.Field, current: str, key: str, required: bool):
    label = f"{f.label} *" if required else f.label
    if f.kind == "date":
        return st.date_input(label, value=_as_date(current), min_value=date(1900, 1, 1), max_value=today(), key=key, format="YYYY-MM-DD")
    if f.kind == "select":
        options = state.options.get(f.source, pf.SPECIAL_OPTIONS.get(f.source, []))
        if current and current not in options:
            options = [current, *options]
        return st.selectbox(label, options, index=options.index(current) if current else None, placeholder="请选择", key=key)
    return st.text_input(label, value=current or "", max_chars=f.max_len, key=key)


def basic_tab() -> None:
    with st.form("profile_basic"):
        values: dict[str, object] = {}
        cols = st.columns(2)
        n = 0
        for f in pf.BASIC_FIELDS:
            col = cols[n % 2]
            with col:
                values[f.label] = _widget(f, state.basic.get(f.label, ""), f"basic_{f.label}", f.label in pf.BASIC_REQUIRED)
            n += 1
            if f.label == "婚姻状况":  # fig. 30 places 证件类型/证件号码 here; they come from the account
                cols[n % 2].text_input("证件类型", value=state.id_type, disabled=True, key="basic_id_type")
                cols[(n + 1) % 2].text_input("证件号码", value=state.id_number_masked, disabled=True, key="basic_id_number")
                n += 2
        submitted = st.form_submit_button("保存", type="primary")
    if submitted:
        act(changes.WAIT_MESSAGE, lambda s: changes.save_basic(s, me, values))
    st.markdown("**上传照片**")
    with session_scope() as s:
        photo = changes.load_photo(s, me)
    if photo:
        st.image(photo, width=120, caption="当前照片" + ("（待审核）" if state.pending_id else ""))
    upload = file_uploader(f"上传照片（JPEG或PNG，不超过{changes.MAX_PHOTO_BYTES // 2**20}MB）", types=["jpg", "jpeg", "png"],
                           key="profile_photo", max_bytes=changes.MAX_PHOTO_BYTES)
    if st.button("上传文件", key="profile_photo_upload", disabled=upload is None):
        act(changes.WAIT_MESSAGE, lambda s: changes.upload_photo(s, me, upload.getvalue()))


def part_tab(part: str) -> None:
    spec = pf.ENTRY_PARTS[part]
    rows = state.parts[part]
    headers = [f.label for f in spec.fields]
    if rows:
        shown = [[r.get(h, "") or (spec.end_optional_label if h == spec.end else "") for h in headers] for r in rows]
        st.dataframe(pd.DataFrame(shown, columns=headers), hide_index=True, use_container_width=True)
    else:
        st.caption("暂无记录")
    choices = ["新增一条"] + [f"第{i + 1}条：" + " ".join(str(r.get(h, "")) for h in headers[:3]) for i, r in enumerate(rows)]
    picked = st.selectbox("选择记录", choices, key=f"{part}_pick")
    index = None if picked == choices[0] else choices.index(picked) - 1
    current = rows[index] if index is not None else {}
    with st.form(f"{part}_form_{index}"):
        values = {}
        cols = st.columns(2)
        for n, f in enumerate(spec.fields):
            with cols[n % 2]:
                values[f.label] = _widget(f, current.get(f.label, ""), f"{part}_{index}_{f.label}", f.label in spec.required)
        if spec.end_optional_label:
            st.caption(f"{spec.end}不填表示{spec.end_optional_label}")
        b1, b2, b3 = st.columns([1, 1, 4], vertical_alignment="center")
        save = b1.form_submit_button("保存", type="primary")
        remove = b2.form_submit_button("删除", disabled=index is None)
        sure = b3.checkbox("确认删除该条记录", disabled=index is None, key=f"{part}_{index}_sure")
    if remove and not sure:  # one stray click never removes an entry
        st.error("删除前请先勾选“确认删除该条记录”")
    elif save or remove:
        try:
            with session_scope() as s:
                if save:
                    changes.save_entry(s, me, part, values, index)
                else:
                    changes.delete_entry(s, me, part, index)
        except DomainError as e:
            show_error(e)
        else:
            for key in [k for k in st.session_state if str(k).startswith(f"{part}_")]:
                del st.session_state[key]  # the next form starts empty at 新增一条
            flash_and_rerun(changes.WAIT_MESSAGE)


show_flash()

if view == "修改":
    st.subheader("用户个人基本信息")
    tabs = st.tabs(list(pf.TABS))
    with tabs[0]:
        basic_tab()
    for tab, part in zip(tabs[1:], pf.PARTS, strict=True):
        with tab:
            part_tab(part)

elif view == "简历":
    st.caption("简历根据审核通过的档案生成；待审核的修改通过后才会显示。")
    with session_scope() as s:
        content = resume.resume_content(s, me)
    show_resume(content)
    if st.button("生成PDF", key="resume_pdf_make"):
        with session_scope() as s:
            st.session_state["_resume_pdf"] = resume.resume_pdf(s, me)
    if st.session_state.get("_resume_pdf"):
        st.download_button("下载个人简历表（PDF）", st.session_state["_resume_pdf"], file_name="个人简历表.pdf",
                           mime="application/pdf", key="resume_pdf_download")

elif view == "变更详情":
    with session_scope() as s:
        history = change_review.list_changes(s, me, status=None)
    if not history:
        st.info("暂无档案变更记录")
    else:
        labels = [f"{h.submitted_at}　{status_label(h.status)}" + (f"（{h.reason}）" if h.reason else "") for h in history]
        picked = st.selectbox("变更记录", labels, key="change_pick")
        chosen = history[labels.index(picked)]
        with session_scope() as s:
            detail = change_review.change_detail(s, me, chosen.id)
        st.markdown(f"**变更详情**　状态：{status_label(detail.status)}　提交时间：{detail.submitted_at}"
                    + (f"　审核时间：{detail.decided_at}" if detail.decided_at else ""))
        if detail.reason:
            st.warning(f"审核意见：{literal(detail.reason)}")
        show_diff(detail.diff, id_type=detail.id_type, id_number=detail.id_number_masked, key=f"diff_{detail.id}")
