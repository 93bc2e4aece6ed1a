"""Shared Streamlit helpers for the thin pages (the only package besides app_pages/ that imports streamlit)."""
