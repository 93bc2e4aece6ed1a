"""Attendance: QR sign-in sessions for 项目库 projects (tokens, sessions), shortfall reminders
(reminders) and the person's 学分计划 with 预报名 (plan). Its tables are in `cme.models.attendance`.

Rules:
* A sign-in session belongs to one 项目库 project and is run by the admin of the organising
  institution (the institution whose name is the project's 主办单位) or by a provincial admin.
* The QR carries a token signed with the app secret that changes every 30 s and is accepted for
  one step more (a forwarded photo expires); opening it gives the phone a scan ticket for 15 minutes,
  long enough to log in. Sign-in and sign-out only inside their windows; a second scan changes nothing.
* Confirming a closed session grants each eligible attendee (signed in and out inside the windows,
  present at least the minimum time, or added as a walk-in; not removed) the project's credit as an
  approved record (source 扫码签到, reviewer the organiser), summaries refreshed in the same
  transaction, one audit row; a person who already filed that project code and year gets nothing new.
  A session is confirmed once, even by parallel calls.
* Reminders reach exactly the people whom 本机构人员 marks 未达标 (the same staff_compliance call),
  at most one per person per 7 days, in-app and optionally by SMS within the gateway's limits.
* The plan's 还差 is the 首页 verdict's; suggested projects are future 项目库 projects of a class still
  missing, the person's 学科 first.

May import: the base (`cme.core`, top-level modules), `cme.domain`, `cme.reports` (the QR), `cme.credits`, `cme.standards`,
`cme.accounts.sms` (reminder SMS within its limits) and `cme.analytics.service` (read-only: the
未达标 list of 本机构人员, so reminders and that page can never disagree). Nothing imports it but
pages and the CLI.
"""
