"""通知公告 (单位管理员): publish and withdraw notices; staff see them on 首页."""
from cme.domain.enums import Role
from ui.notice_admin import render

render(Role.UNIT, "本机构的通知只对本机构人员显示。")
