"""通知公告 as every 首页 and the notices page list them: a table on a desktop, cards on a phone."""
from __future__ import annotations

import pandas as pd

from ui.tables import show_table

CARD_FIELDS = ["通知标题", "发布时间", "发送者", "通知级别", "状态"]


def show_notices(rows, *, key: str, empty: str = "暂无通知") -> None:
    """`rows`: notices (cme.administration.notices), each drawn by its table_row() (the fig. 15 columns)."""
    show_table(pd.DataFrame([n.table_row() for n in rows]), key=key, cards=CARD_FIELDS, empty=empty)
