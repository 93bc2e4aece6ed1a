"""通知公告 (省级管理员): publish and withdraw notices; everyone sees them on 首页."""
from cme.domain.enums import Role
from ui.notice_admin import render

render(Role.PROVINCE, "省级通知对全省所有用户显示。")
