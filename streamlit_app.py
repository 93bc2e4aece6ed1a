"""Entry point, two roles in one file (DESIGN "Sessions and routes").

`streamlit run streamlit_app.py` imports this module to find `app`, the ASGI app (st.App) with our
routes and middleware (ui/web.py); Streamlit then runs this file as the page script (`__main__`)
on every rerun: page config, login gate, navigation by role. Routes only (DESIGN rule 1).
"""
import streamlit as st

if __name__ != "__main__":
    from cme.config import get_settings
    from ui import web

    get_settings().require_public_url()  # a missing CME_SECRET_KEY / CME_PUBLIC_URL outside demo stops the server here

    app = st.App(__file__, routes=web.routes(), middleware=web.middleware(), lifespan=web.lifespan)
else:
    from cme.config import get_settings
    from cme.logs import configure_logging
    from cme.ops.keys import KeyMismatch
    from cme.ops.setup import ensure_ready
    from ui import navigation, page_style, warmup
    from ui.page_run import page_run
    from ui.session import actor_for_this_run, current_account, logout

    configure_logging()

    # a local icon: a :material/…: favicon is fetched from fonts.gstatic.com, which the CSP
    # (ui/web.py) and many hospital intranets refuse
    st.set_page_config(page_title="四川省继续医学教育行政管理平台", page_icon=navigation.ROOT / "data" / "icon.png", layout="wide")
    page_style.apply()  # Chinese for Streamlit's own texts, and the phone layout

    @st.cache_resource(show_spinner="正在准备数据库…")
    def _prepare_database() -> bool:
        ensure_ready()  # schema + reference data; demo data in demo mode
        warmup.warm_up()  # imports and first calls once, then gc.freeze() (see ui/warmup.py)
        return True

    try:
        _prepare_database()
    except KeyMismatch as e:  # a changed CME_SECRET_KEY: one clear message, not "wrong password" later
        st.error(str(e), icon=":material/key_off:")
        st.stop()
    if get_settings().demo:
        st.warning("演示模式：数据为虚构的演示数据，验证码直接显示在页面上，请勿录入真实个人信息。", icon=":material/science:")
    account = current_account()
    actor = account[0] if account else None

    if account is None:
        nav = st.navigation(navigation.public_pages())
    else:
        state = account[1]
        top = st.columns([6, 1], vertical_alignment="center")
        top[0].markdown(f"**四川省继续医学教育行政管理平台**　　{state.header}")
        if top[1].button("退出", icon=":material/logout:", use_container_width=True, key="logout"):
            logout()
            st.stop()
        forced = (
            navigation.forced_page("change_password") if state.must_change_password
            else navigation.forced_page("first_profile") if not state.profile_completed
            else []
        )
        nav = st.navigation(forced or navigation.role_pages(actor.role))
    # logged with its duration (an uncaught error gets an error number); the page's require_actor()
    # reuses this run's login check
    with page_run(actor, nav.title), actor_for_this_run(actor):
        nav.run()
