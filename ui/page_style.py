"""The look every page shares, injected once per run from streamlit_app.py: Streamlit's own English
texts replaced by Chinese (the phone's menu button, the file uploader), and the narrow-screen padding
(≤ PHONE_MAX_PX wide). Whether a table is drawn as cards is decided on the server (ui/tables.on_phone).

Only CSS: the Content-Security-Policy (ui/web.py) allows inline styles but no inline script, and a
selector on Streamlit's data-testid attributes survives its re-rendering of the DOM."""
from __future__ import annotations

import streamlit as st

PHONE_MAX_PX = 640  # Streamlit stacks st.columns below this width too

# a material icon is a ligature word: hidden, and the Chinese text drawn by ::after instead
_CSS = f"""
[data-testid="stExpandSidebarButton"] [data-testid="stIconMaterial"] {{ display: none; }}
[data-testid="stExpandSidebarButton"]::after {{ content: "☰ 菜单"; font-size: 1rem; white-space: nowrap; }}
[data-testid="stExpandSidebarButton"] {{ width: auto; padding: 0.25rem 0.75rem; }}
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] {{ display: none; }}
[data-testid="stFileUploaderDropzone"] button span[style*="contents"]::after {{ content: "选择文件"; }}
[data-testid="stFileUploaderDropzoneInstructions"] span {{ font-size: 0; }}
[data-testid="stFileUploaderDropzoneInstructions"] span::after {{ content: "或将文件拖放到此处"; font-size: 0.875rem; }}
[data-testid="stTooltipErrorContent"] {{ font-size: 0; }}
[data-testid="stTooltipErrorContent"]::after {{ content: "该文件不能上传：请按上方说明检查文件大小和类型"; font-size: 0.875rem; }}
[data-testid="stSkipToContent"] {{ font-size: 0; }}
[data-testid="stSkipToContent"]::after {{ content: "跳到主要内容"; font-size: 1rem; }}
[data-testid="stDateInputField"] [data-placeholder="true"] {{ font-size: 0; }}
[data-testid="stDateInputField"] [data-placeholder="true"]::after {{ font-size: 0.875rem; }}
[data-testid="stDateInputField"] [data-placeholder="true"][data-type="year"]::after {{ content: "年"; }}
[data-testid="stDateInputField"] [data-placeholder="true"][data-type="month"]::after {{ content: "月"; }}
[data-testid="stDateInputField"] [data-placeholder="true"][data-type="day"]::after {{ content: "日"; }}
@media (max-width: {PHONE_MAX_PX}px) {{
  [data-testid="stMainBlockContainer"] {{ padding-left: 0.75rem; padding-right: 0.75rem; }}
}}
"""


def apply() -> None:
    """Once per run, before the page draws (a <style>-only st.html takes no room on the page)."""
    st.html(f"<style>{_CSS}</style>")


def file_uploader(label: str, *, key: str, max_bytes: int, types: list[str], **kwargs):
    """st.file_uploader whose limit is the one the service enforces (`max_bytes`): the browser refuses a
    larger file before uploading it, and the drop zone says so in Chinese."""
    mb = max(1, max_bytes // (1024 * 1024))
    st.html(f'<style>.st-key-{key} [data-testid="stFileUploaderDropzoneInstructions"] span::after '
            f'{{ content: "或将文件拖放到此处，单个文件不超过{mb}MB"; }}</style>')
    return st.file_uploader(label, type=types, key=key, max_upload_size=mb, **kwargs)
