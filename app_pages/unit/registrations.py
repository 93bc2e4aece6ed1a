"""注册审核: the own institution's pending registrations (age shown), chosen in the table (全选 / 批量通过);
one chosen row shows 查看, 审核通过, 审核不过 (reason required); tab 人员账号: 重置密码 to a one-time password shown
once, 停用/启用 an account."""
import pandas as pd
import streamlit as st

from cme.accounts import registration_review
from cme.accounts import staff_accounts as accounts_admin
from cme.db import session_scope
from cme.domain.enums import Role
from cme.errors import DomainError
from ui.forms import act, literal, show_error, show_flash
from ui.row_select import one_chosen, select_rows
from ui.session import require_actor

me = require_actor(Role.UNIT, Role.PROVINCE)
S = st.session_state
st.header("注册审核")
show_flash()


def review_tab() -> None:
    """Pending registrations: choose rows (全选 / batch), one chosen row is 查看 with its decisions."""
    keyword = st.text_input("查找", placeholder="用户名或真实姓名", max_chars=40, key="rg_find")
    with session_scope() as s:
        rows = registration_review.list_registrations(s, me, keyword=keyword)
    if not rows:
        st.info("没有符合条件的注册申请" if keyword.strip() else "暂无待审核的注册申请")
        return
    st.caption("在表格左侧勾选申请：勾选一条可查看并审核，勾选多条可批量通过。")
    table = pd.DataFrame(
        [[r.name, r.department, r.waiting, r.registered_at, r.username, r.sex or "", r.id_number, r.phone,
          r.institution] for r in rows],
        columns=["真实姓名", "科室", "已等待", "注册时间", "用户名", "性别", "身份证号", "手机号码", "机构"],
    )
    ids = [r.user_id for r in rows]
    chosen = select_rows(table, ids, key="rg_table",
                         column_config={"真实姓名": st.column_config.TextColumn(pinned=True)})
    if st.button(f"批量通过（已选 {len(chosen)} 条）", disabled=not chosen, key="rg_batch"):
        act(f"已审核通过 {len(chosen)} 条注册申请", lambda s: registration_review.approve_registrations(s, me, chosen))

    picked = one_chosen(chosen, ids)
    if picked is None:
        return
    st.subheader("查看")
    with session_scope() as s:
        detail = registration_review.get_registration(s, me, picked)
    st.dataframe(
        pd.DataFrame(
            [("用户名", detail.username), ("真实姓名", detail.name), ("性别", detail.sex or ""),
             ("身份证号", detail.id_number), ("手机号码", detail.phone), ("电子邮箱", detail.email),
             ("机构", detail.institution), ("科室", detail.department), ("参加继教", detail.joins_cme),
             ("学分达标遵照", detail.standard_basis), ("注册时间", detail.registered_at),
             ("已等待", detail.waiting), ("注册状态", detail.status)],
            columns=["项目", "内容"],
        ),
        hide_index=True, width="stretch",
    )
    left, right = st.columns(2)
    if left.button("审核通过", type="primary", key=f"rg_approve_{picked}"):
        act(f"用户 {detail.username} 的注册已审核通过", lambda s: registration_review.approve_registration(s, me, picked))
    with right:
        reason = st.text_area("不通过原因 *", max_chars=500, key=f"rg_reason_{picked}")
        if st.button("审核不过", key=f"rg_reject_{picked}"):
            act(f"用户 {detail.username} 的注册已审核不过",
                lambda s: registration_review.reject_registration(s, me, picked, reason))


tabs = st.tabs(["注册审核", "人员账号"] if me.is_unit_admin else ["注册审核"])
with tabs[0]:
    review_tab()

if me.is_unit_admin:
    with tabs[1]:
        st.caption("为本机构人员重置密码：生成一次性密码，仅显示一次，该人员下次登录时必须修改密码。")
        if S.get("rg_one_time"):
            who, secret = S.pop("rg_one_time")
            st.warning(f"用户 {literal(who)} 的一次性密码（仅显示这一次，请当面或电话告知本人）：")
            st.code(secret, language=None)
        keyword = st.text_input("用户名或姓名", max_chars=40, key="rg_keyword")
        with session_scope() as s:
            staff = accounts_admin.list_staff_accounts(s, me, keyword)
        if not staff:
            st.info("没有符合条件的人员账号")
        else:
            st.dataframe(
                pd.DataFrame([[a.username, a.name, a.department, a.id_number, a.phone, a.status, a.last_login,
                               "是" if a.must_change_password else "否"] for a in staff],
                             columns=["用户名", "姓名", "科室", "身份证号", "手机号码", "状态", "最近登录", "待改密码"]),
                hide_index=True, width="stretch",
            )
            names = {a.user_id: f"{a.username}（{a.name}）" for a in staff}
            target = st.selectbox("选择人员", list(names), format_func=names.get, key="rg_target")
            sure = st.checkbox("确认重置该人员的密码", key=f"rg_sure_{target}")
            if st.button("重置密码", disabled=not sure, key="rg_reset"):
                try:
                    with session_scope() as s:
                        secret = accounts_admin.reset_staff_password(s, me, target)
                except DomainError as e:
                    show_error(e)
                else:
                    S["rg_one_time"] = (next(a.username for a in staff if a.user_id == target), secret)
                    st.rerun()
            chosen = next(a for a in staff if a.user_id == target)
            enable = chosen.status == "已停用"
            verb = "启用" if enable else "停用"
            st.caption("停用后该人员立即退出登录、不能再登录或办理任何业务，学分与档案保留；可随时启用。")
            sure = st.checkbox(f"确认{verb}该人员的账号", key=f"rg_toggle_sure_{target}_{verb}")
            if st.button(f"{verb}账号", disabled=not sure, key="rg_toggle"):
                act(f"已{verb}用户 {chosen.username} 的账号",
                    lambda s: accounts_admin.set_account_active(s, me, target, enable))
