"""The look every page shares, injected once per run from streamlit_app.py: Streamlit's own English
texts replaced by Chinese (the phone's menu button, the file uploader, the date placeholders, a field's
"Press Enter to apply", a select box's placeholder and "No results", the tooltips of a table's or chart's
toolbar, the "Connection error" and "Page not found" dialogs), and the narrow-screen padding
(≤ PHONE_MAX_PX wide). Whether a table is drawn as cards is decided on the server (ui/tables.on_phone).

Only CSS: the Content-Security-Policy (ui/web.py) allows inline styles but no inline script, and a
selector on Streamlit's data-testid attributes survives its re-rendering of the DOM. An English text is
hidden (font-size 0) and the Chinese drawn in its place by ::after. What CSS cannot reach stays English:
the names Streamlit gives its icon buttons for screen readers (aria-label: "Expand sidebar", "Collapse
sidebar", "Show password", "Increment", "Open", "Close"…), which no Streamlit option sets."""
from __future__ import annotations

import streamlit as st

PHONE_MAX_PX = 640  # Streamlit stacks st.columns below this width too

# a material icon is a ligature word: hidden, and the Chinese text drawn by ::after instead
_LOOK = f"""
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


def _replace(selectors: str | list[str], text: str, size: str) -> str:
    """The English text of what `selectors` name hidden and `text` drawn in its place at `size` (the size
    the English had)."""
    names = [selectors] if isinstance(selectors, str) else selectors
    return (f'{", ".join(names)} {{ font-size: 0; }}\n'
            f'{", ".join(f"{n}::after" for n in names)} {{ content: "{text}"; font-size: {size}; }}\n')


def _input_hints() -> str:
    """A text or number field's "Press Enter to apply" ("… to submit form" in a form, Ctrl+Enter in a text
    area). Its instructions are [hint, max_chars counter], the counter alone, or (a number field, which has
    no counter) the hint alone; every text field has max_chars (tests/unit/test_chinese_ui.py)."""
    hint = '[data-testid="InputInstructions"] > span:first-child:not(:only-child)'
    number_hint = '[data-testid="stNumberInput"] [data-testid="InputInstructions"] > span:only-child'
    form, area = '[data-testid="stForm"]', '[data-testid="stTextArea"]'
    return (_replace([hint, number_hint], "按回车键确认", "0.75rem")
            + f'{form} {hint}::after, {form} {number_hint}::after {{ content: "按回车键提交"; }}\n'
            + f'{area} {hint}::after {{ content: "按 Ctrl/⌘+回车键确认"; }}\n'
            + f'{form} {area} {hint}::after {{ content: "按 Ctrl/⌘+回车键提交"; }}\n')


# the placeholders Streamlit gives a select box that has none of its own (seen when the filter is emptied)
_SELECT_PLACEHOLDERS = {"Choose an option": "请选择", "No options to select": "没有可选项"}


def _select_box() -> str:
    """A placeholder cannot be restyled with content: the English one is made transparent and the Chinese
    drawn over it while it shows; "No results" when the typed filter matches no option."""
    css = _replace('[data-testid="stSelectboxVirtualDropdown"] [role="listbox"][data-empty="true"] [role="option"] > span',
                   "没有匹配的选项", "0.875rem")
    for english, chinese in _SELECT_PLACEHOLDERS.items():
        field = f'[data-testid="stSelectbox"] input[placeholder="{english}"]'
        css += (f"{field}::placeholder {{ color: transparent; }}\n"
                f'[data-testid="stSelectbox"] [role="group"]:has(> input[placeholder="{english}"]:placeholder-shown)::before '
                f'{{ content: "{chinese}"; position: absolute; left: calc(1px + 0.5rem); top: 50%; transform: translateY(-50%); '
                f"font-size: 0.875rem; opacity: 0.7; pointer-events: none; }}\n")
    return css


# Streamlit's toolbar over a table, an image or a chart (a tooltip on hover or keyboard focus) and
# plotly's mode bar over a chart (its tooltip is the button's data-title, drawn by plotly's CSS)
_TOOLBAR = {"Show/hide columns": "显示/隐藏列", "Download as CSV": "下载为 CSV", "Search": "搜索", "Fullscreen": "全屏",
            "Close fullscreen": "退出全屏", "Clear selection": "清除选择"}
_PLOTLY = {"Download plot as a PNG": "下载为 PNG 图片", "Download plot as a png": "下载为 PNG 图片", "Download plot": "下载图表",
           "Zoom": "缩放", "Pan": "平移", "Box Select": "框选", "Lasso Select": "套索选择", "Zoom in": "放大", "Zoom out": "缩小",
           "Autoscale": "自动缩放", "Reset axes": "重置坐标轴", "Reset view": "重置视图", "Toggle Spike Lines": "显示/隐藏辅助线",
           "Show closest data on hover": "悬停时显示最近的数据", "Compare data on hover": "悬停时比较数据",
           "Fullscreen": "全屏", "Close fullscreen": "退出全屏"}


def _toolbar_tooltips() -> str:
    """A tooltip is drawn apart from its button (a portal at the end of the page): while the mouse is over
    (or the keyboard on) the button with that English name, the one tooltip shown is that button's."""
    css = ""
    for english, chinese in _TOOLBAR.items():
        button = f'[data-testid="stTooltipHoverTarget"] > button[aria-label="{english}"]'
        css += _replace(f'body:has({button}:is(:hover, :focus-visible)) [data-testid="stTooltipContent"] p', chinese, "0.875rem")
    for english, chinese in _PLOTLY.items():
        css += f'.js-plotly-plot .plotly .modebar-btn[data-title="{english}"]::after {{ content: "{chinese}"; }}\n'
    # plotly's notes while it saves a PNG ("Taking snapshot - this may take a few seconds"): the browser's
    # own download shows the file
    return css + ".plotly-notifier { display: none; }\n"


def _system_dialogs() -> str:
    """Streamlit's own dialogs (the app opens none of its own): while the connection is down, "Connection
    error"; while it is up, the one a user can meet is "Page not found" (an address no menu has), after
    which Streamlit shows the default page."""
    app, dialog = '[data-testid="stApp"]', '[data-testid="stDialog"] [role="dialog"]'
    title, body = f"{dialog} h2", f"{dialog} h2 + div > div"
    down, up = f'body:has({app}:not([data-test-connection-state="CONNECTED"]))', \
        f'body:has({app}[data-test-connection-state="CONNECTED"])'
    forever = f'body:has({app}[data-test-connection-state="DISCONNECTED_FOREVER"])'
    return (_replace(f"{down} {title}", "无法连接服务器", "1.5rem")
            + _replace(f"{down} {body}", "暂时无法连接到服务器，正在自动重试，连接恢复后即可继续。长时间未恢复时，请检查网络后刷新页面。",
                       "1rem")
            + f'{forever} {body}::after {{ content: "与服务器的连接已断开，请检查网络后刷新页面。"; }}\n'
            + _replace(f"{up} {title}", "页面不存在", "1.5rem")
            + _replace(f"{up} {body}", "您要打开的页面不存在，或不在您的菜单中，已为您打开首页。", "1rem"))


_CSS = _LOOK + _input_hints() + _select_box() + _toolbar_tooltips() + _system_dialogs()


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
