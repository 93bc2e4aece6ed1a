"""审计日志 (单位管理员): the changes recorded for this institution, newest first."""
from cme.domain.enums import Role
from ui.audit_view import render

render(Role.UNIT, "本机构的操作记录（谁、何时、做了什么、变更前后），按时间倒序；身份证号、手机号均已脱敏。")
