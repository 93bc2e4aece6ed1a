"""通知公告 management shared by the institution and provincial admins' pages."""
import streamlit as st

from cme.administration import notices
from cme.db import session_scope
from ui.forms import act, show_flash
from ui.notice_list import show_notices
from ui.session import require_actor


def render(role: str, caption: str) -> None:
    """Publish and withdraw notices; the service decides which the actor may touch."""
    me = require_actor(role)
    st.header("通知公告")
    st.caption(caption)
    show_flash()

    with st.form("notice_new", clear_on_submit=True):
        st.subheader("发布通知")
        title = st.text_input("通知标题 *", max_chars=200)
        theme = st.text_input("活动主题", max_chars=200)
        c1, c2 = st.columns(2)
        start = c1.date_input("举办开始日期", value=None, format="YYYY-MM-DD")
        end = c2.date_input("举办结束日期", value=None, format="YYYY-MM-DD")
        body = st.text_area("通知内容", max_chars=5000)
        submitted = st.form_submit_button("发布", type="primary")
    if submitted:
        act(f"通知“{title.strip()}”已发布", lambda s: notices.create_notice(s, me, title=title, body=body, theme=theme,
                                                                   start_date=start, end_date=end))

    with session_scope() as s:
        rows = notices.manageable_notices(s, me)
    st.subheader("已发布的通知")
    if not rows:
        st.info("暂无通知")
        st.stop()
    show_notices(rows, key="notice_table")
    live = [n for n in rows if not n.withdrawn]
    labels = [f"{n.title}（{n.published_at}）" for n in live]
    picked = st.selectbox("选择要撤回的通知", labels, index=None, placeholder="请选择", key="notice_pick")
    if st.button("撤回", disabled=picked is None, key="notice_withdraw"):
        chosen = live[labels.index(picked)]
        act(f"通知“{chosen.title}”已撤回", lambda s: notices.withdraw_notice(s, me, chosen.id), clear=("notice_pick",))
