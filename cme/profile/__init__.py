"""The technical profile (技术档案): changes that wait for approval (changes), transfers between
institutions (transfers) and the 简历 PDF (resume_pdf).

Rules: approved values stay in force until the unit admin approves a change; a transfer is decided by
the receiving admin and keeps the person's credits.
May import: the base, `cme.domain`, `cme.reports` and `cme.credits`.
"""
