"""审计日志 (省级管理员): every change recorded in the province, newest first."""
from cme.domain.enums import Role
from ui.audit_view import render

render(Role.PROVINCE, "全省的操作记录（谁、何时、做了什么、变更前后），按时间倒序；身份证号、手机号均已脱敏。")
