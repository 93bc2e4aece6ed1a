"""Analytics for unit and provincial admins: compliance lists, rates, trends and queue ages (service)
and their plotly figures (charts).

Rules: a unit admin sees own institution only; the province sees all. Read-only.
May import: every context except `cme.ops`; nothing but pages and the CLI imports it.
"""
