"""Shared Streamlit helpers for the thin pages (the only package besides pages/ that imports streamlit)."""
