"""Entry point: page config, login gate, navigation by role. Routes only (DESIGN rule 1)."""
import streamlit as st

from cme.db import session_scope
from cme.core.actors import account_state
from cme.ops.setup import ensure_ready
from ui import navigation, warmup
from ui.session import actor_for_this_run, current_actor, logout, sync_cookie

st.set_page_config(page_title="四川省继续医学教育行政管理平台", page_icon=":material/school:", layout="wide")


@st.cache_resource(show_spinner="正在准备数据库…")
def _prepare_database() -> bool:
    ensure_ready()  # schema + reference data; demo data in demo mode
    warmup.warm_up()  # imports and first calls once, then gc.freeze() (see ui/warmup.py)
    return True


_prepare_database()
actor = current_actor()
sync_cookie()

if actor is None:
    nav = st.navigation(navigation.public_pages())
else:
    with session_scope() as s:
        state = account_state(s, actor)
    top = st.columns([6, 1], vertical_alignment="center")
    top[0].markdown(f"**四川省继续医学教育行政管理平台**　　{state.header}")
    if top[1].button("退出", icon=":material/logout:", use_container_width=True, key="logout"):
        logout()
        st.rerun()
    forced = (
        navigation.forced_page("change_password") if state.must_change_password
        else navigation.forced_page("first_profile") if not state.profile_completed
        else []
    )
    nav = st.navigation(forced or navigation.role_pages(actor.role))
with actor_for_this_run(actor):  # the page's require_actor() reuses this run's check
    nav.run()
