"""Which screens each role sees, by section, in menu order."""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from cme.domain.enums import Role

ROOT = Path(__file__).resolve().parent.parent

PUBLIC = [
    ("app_pages/public/login.py", "登录", ":material/login:"),
    ("app_pages/public/register.py", "个人注册", ":material/person_add:"),
    ("app_pages/public/registration_status.py", "注册状态查询", ":material/info:"),
    ("app_pages/public/forgot_password.py", "忘记密码", ":material/lock_reset:"),
    ("app_pages/public/verify_certificate.py", "证书验证", ":material/verified:"),
    ("app_pages/public/help.py", "帮助文档", ":material/help:"),
    ("app_pages/public/checkin.py", "扫码签到", ":material/qr_code_scanner:"),  # the page a sign-in QR opens
]

BY_ROLE: dict[str, dict[str, list[tuple[str, str, str]]]] = {
    Role.PERSON: {
        "": [("app_pages/personal/home.py", "首页", ":material/home:"),
             ("app_pages/public/checkin.py", "扫码签到", ":material/qr_code_scanner:")],
        "学分管理": [
            ("app_pages/personal/standards_setup.py", "个人学分标准设置", ":material/tune:"),
            ("app_pages/personal/standards_query.py", "个人学分标准查询", ":material/table_view:"),
            ("app_pages/personal/credits.py", "个人学分登记审核", ":material/edit_note:"),
            ("app_pages/personal/certificates.py", "出具Ⅰ类、Ⅱ类学分证明", ":material/workspace_premium:"),
            ("app_pages/personal/credit_search.py", "学分综合查询", ":material/search:"),
        ],
        "技术档案管理": [
            ("app_pages/personal/profile.py", "用户档案管理", ":material/badge:"),
            ("app_pages/personal/transfer.py", "调动申请", ":material/swap_horiz:"),
        ],
        "账号": [("app_pages/personal/change_password.py", "修改密码", ":material/key:")],
    },
    Role.UNIT: {
        "": [("app_pages/unit/home.py", "首页", ":material/home:")],
        "审核": [
            ("app_pages/unit/registrations.py", "注册审核", ":material/how_to_reg:"),
            ("app_pages/unit/credit_review.py", "学分审核", ":material/fact_check:"),
            ("app_pages/unit/profile_review.py", "档案审核", ":material/rule:"),
            ("app_pages/unit/transfers.py", "调动审核", ":material/swap_horiz:"),
        ],
        "本机构": [
            ("app_pages/unit/staff.py", "本机构人员", ":material/groups:"),
            ("app_pages/unit/analytics.py", "统计分析", ":material/analytics:"),
            ("app_pages/unit/imports.py", "批量导入", ":material/upload_file:"),
            ("app_pages/unit/attendance.py", "签到管理", ":material/qr_code_2:"),
            ("app_pages/unit/departments.py", "科室管理", ":material/domain:"),
            ("app_pages/unit/notices.py", "通知公告", ":material/campaign:"),
            ("app_pages/unit/audit.py", "审计日志", ":material/history:"),
        ],
        "账号": [("app_pages/personal/change_password.py", "修改密码", ":material/key:")],
    },
    Role.PROVINCE: {
        "": [("app_pages/province/home.py", "首页", ":material/home:")],
        "全省管理": [
            ("app_pages/province/institutions.py", "机构管理", ":material/apartment:"),
            ("app_pages/province/standards.py", "学分标准管理", ":material/rule_settings:"),
            ("app_pages/province/dictionaries.py", "字典管理", ":material/menu_book:"),
            ("app_pages/province/projects.py", "项目库", ":material/library_books:"),
            ("app_pages/province/certificates.py", "证书管理", ":material/verified_user:"),
            ("app_pages/unit/attendance.py", "签到管理", ":material/qr_code_2:"),
            ("app_pages/unit/imports.py", "批量导入", ":material/upload_file:"),
            ("app_pages/province/analytics.py", "全省统计", ":material/monitoring:"),
            ("app_pages/province/notices.py", "通知公告", ":material/campaign:"),
            ("app_pages/province/audit.py", "审计日志", ":material/history:"),
        ],
        "账号": [("app_pages/personal/change_password.py", "修改密码", ":material/key:")],
    },
}

FORCED = {
    "change_password": ("app_pages/personal/change_password.py", "修改密码", ":material/key:"),
    "first_profile": ("app_pages/personal/first_profile.py", "用户个人基本信息填写", ":material/person:"),
}


def _page(path: str, title: str, icon: str, default: bool = False) -> st.Page:
    return st.Page(str(ROOT / path), title=title, icon=icon, default=default, url_path=Path(path).stem if not default else None)


def public_pages() -> list[st.Page]:
    return [_page(*item, default=(n == 0)) for n, item in enumerate(PUBLIC)] + _login_stand_ins()


# the screens behind the login, by their address (/credit_search, /staff…); "home" is each role's root
PRIVATE_URL_PATHS = sorted({Path(path).stem for sections in BY_ROLE.values() for items in sections.values()
                            for path, _, _ in items} - {Path(path).stem for path, _, _ in PUBLIC} - {"home"})


def _login_stand_ins() -> list[st.Page]:
    """Logged out, a private address (a bookmark, an expired session) shows 登录 under that address,
    hidden from the menu, instead of Streamlit's English "Page not found"; the login then returns there."""
    path, title, icon = PUBLIC[0]
    return [st.Page(str(ROOT / path), title=title, icon=icon, url_path=stem, visibility="hidden")
            for stem in PRIVATE_URL_PATHS]


def role_pages(role: str) -> dict[str, list[st.Page]]:
    items = [(section, item) for section, section_items in BY_ROLE[role].items() for item in section_items]
    sections: dict[str, list[st.Page]] = {}
    for n, (section, item) in enumerate(items):
        sections.setdefault(section, []).append(_page(*item, default=(n == 0)))
    sections["帮助"] = [_page(*i) for i in (PUBLIC[4], PUBLIC[5])]
    return sections


def forced_page(which: str) -> list[st.Page]:
    """A single page the user must complete before anything else (first login, one-time password)."""
    path, title, icon = FORCED[which]
    return [_page(path, title, icon, default=True)]
