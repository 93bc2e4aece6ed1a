"""Credits: entering a record (records), review decisions, search and export, bulk import (imports),
per-person-year totals (summaries), a person's yearly progress against the standard (progress and
its chart), and the 项目库 (projects).

Rules: only approved credits count; totals change in the same transaction as the records that move
them; only 待审 records may be changed, and only by their owner; a unit admin reviews only own staff.
May import: the base, `cme.domain`, `cme.reports` (table writers) and `cme.standards`.
"""
