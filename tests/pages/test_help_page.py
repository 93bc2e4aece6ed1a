from tests.apptest import open_page


def test_help_page_explains_each_screen(sqlite_db):
    at = open_page("app_pages/public/help.py")
    text = " ".join(m.value for m in at.markdown)
    for screen in ("个人注册", "注册状态查询", "忘记密码", "个人学分标准设置", "出具Ⅰ类、Ⅱ类学分证明", "用户档案管理"):
        assert screen in text
    assert "111111" not in text  # no default password is ever promised
