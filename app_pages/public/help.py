"""帮助文档: the user guide, shown to everyone."""
from pathlib import Path

import streamlit as st

st.title("帮助文档")
st.markdown((Path(__file__).resolve().parents[2] / "docs" / "help.md").read_text(encoding="utf-8"))
