"""Administration of the platform's structure: institutions, departments, dictionaries and notices.

Rules: institutions and dictionaries are the province's; departments and notices belong to the
institution that made them (the province may publish to all).
May import: the base, `cme.domain` and `cme.accounts` (creating an institution's admin).
"""
