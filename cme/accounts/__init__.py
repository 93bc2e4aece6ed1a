"""Accounts: login and sessions (auth), 个人注册 and 注册审核 (registration), 忘记密码 (password_reset),
account creation (users), an admin's actions on own staff accounts (staff_accounts), old-platform
users (legacy) and the SMS gateway (sms).

Rules: passwords are bcrypt; ID numbers and phones are stored encrypted with a keyed lookup hash;
a person reaches only their own account, a unit admin only own staff, the province everyone.
May import: the base (`cme.core` and top-level modules) and `cme.domain`.
"""
