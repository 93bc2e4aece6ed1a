"""查看 a credit record: every field, the proof and the review trail (personal and admin pages)."""
import pandas as pd
import streamlit as st

from cme.core.actors import Actor
from cme.credits import details
from cme.db import session_scope
from cme.errors import DomainError
from ui.forms import literal, show_error


def show_credit_detail(me: Actor, credit_id: int, *, key: str) -> bool:
    """Draw the record if `me` may see it (the service decides); False when refused or missing."""
    try:
        with session_scope() as s:
            d = details.get_credit(s, me, credit_id)
            proof = details.load_proof(s, me, credit_id) if d.has_proof else None
    except DomainError as e:
        show_error(e)
        return False
    items = [(k, v) for k, v in d.fields().items() if v]
    for i in range(0, len(items), 2):
        for col, (k, v) in zip(st.columns(2), items[i:i + 2], strict=False):
            col.markdown(f"**{k}**：{literal(v)}")
    st.markdown("**证明材料**")
    if proof is None:
        st.caption("未上传证明材料")
    elif proof[1].startswith("image/"):
        st.image(proof[0], width=480)
    else:
        st.download_button("下载证明材料（PDF）", proof[0], file_name=proof[2], mime=proof[1], key=f"{key}_proof")
    st.markdown("**审核记录**")
    st.dataframe(pd.DataFrame([[t.at, t.actor, t.action, t.reason] for t in d.trail], columns=["时间", "操作人", "操作", "意见"]),
                 hide_index=True, width="stretch")
    return True
