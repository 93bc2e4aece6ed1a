"""Credit standards: a person's standard per year (personal) and the provincial standards table with
its versions (table).

Rules: one standard per person and year; the table is edited by the provincial admin only.
May import: the base and `cme.domain`.
"""
