from datetime import date

import pytest

from cme.crypto import mask_id_number, mask_phone
from cme.domain.identity import check_email, check_phone, check_text, check_username, parse_id_number
from cme.domain.passwords import hash_password, password_problem, random_password, verify_password


@pytest.mark.parametrize(
    "number,born,sex",
    [
        ("11010519491231002X", date(1949, 12, 31), "女"),  # GB 11643 worked example
        ("510104198506150012", date(1985, 6, 15), "男"),
        ("５１０１０４１９８５０６１５００１２", date(1985, 6, 15), "男"),  # full-width digits fold
        ("11010519491231002x", date(1949, 12, 31), "女"),  # lower-case x accepted
    ],
)
def test_valid_id_numbers(number, born, sex):
    card = parse_id_number(number, today=date(2026, 11, 25))
    assert (card.birth_date, card.sex) == (born, sex)
    assert card.number.upper() == card.number


@pytest.mark.parametrize(
    "number,message",
    [
        ("110105194912310021", "校验位"),
        ("51010419850615001", "18位"),
        ("5101041985061500121", "18位"),
        ("510104198502300013", "出生日期"),  # 30 February
        ("510104203001010010", "出生日期"),  # in the future
        ("51010419850615001A", "18位"),
        ("", "不能为空"),
        ("<script>alert(1)</script>", "18位"),
    ],
)
def test_invalid_id_numbers(number, message):
    with pytest.raises(ValueError, match=message):
        parse_id_number(number, today=date(2026, 11, 25))


@pytest.mark.parametrize("phone", ["13800138000", "19912345678", "１３８００１３８０００", " 15012345678 "])
def test_valid_phones(phone):
    assert len(check_phone(phone)) == 11


@pytest.mark.parametrize("phone", ["12800138000", "1380013800", "138001380001", "+8613800138000", "abc", "", "1380013800'"])
def test_invalid_phones(phone):
    with pytest.raises(ValueError):
        check_phone(phone)


def test_username_and_email_rules():
    assert check_username("zhang_san1") == "zhang_san1"
    for bad in ("abc", "a" * 21, "张三三三", "ab cd", "x';--"):
        with pytest.raises(ValueError):
            check_username(bad)
    with pytest.raises(ValueError, match="手机号码"):  # would catch logins by that phone number
        check_username("13812345678")
    assert check_username("1381234567") == "1381234567"
    assert check_email("a.b@example.cn") == "a.b@example.cn"
    with pytest.raises(ValueError):
        check_email("not-an-email")


def test_free_text_is_limited_but_kept_literally():
    assert check_text("<b>讲座</b>'; drop table x;--", max_len=100) == "<b>讲座</b>'; drop table x;--"
    with pytest.raises(ValueError, match="不能超过5个字符"):
        check_text("一二三四五六", max_len=5)
    assert check_text("a\x00b\u202e", max_len=5) == "ab"  # control characters stripped, not stored
    assert check_text("讲座（第一期），上午", max_len=20) == "讲座（第一期），上午"  # full-width kept as typed
    assert check_text("  ", max_len=5, required=False) == ""


@pytest.mark.parametrize(
    "password,problem",
    [
        ("short1", "至少8位"),
        ("abcdefgh", "字母和数字"),
        ("12345678", "字母和数字"),
        ("password1", "常见"),
        ("zhangsan2026", "用户名"),
        ("Xx13800138000", "用户名"),
        ("Good2026pass", None),
    ],
)
def test_password_policy(password, problem):
    result = password_problem(password, personal=("zhangsan", "13800138000"))
    assert (result is None) if problem is None else (problem in result)


def test_bcrypt_hash_verifies_and_long_passwords_stay_significant():
    long_a = "a1" * 40 + "X"
    long_b = "a1" * 40 + "Y"  # differs only after byte 72
    hashed = hash_password(long_a, rounds=4)
    assert verify_password(long_a, hashed)
    assert not verify_password(long_b, hashed)


def test_random_password_meets_policy():
    for _ in range(20):
        assert password_problem(random_password()) is None


def test_masks():
    assert mask_id_number("510104198506150012") == "510104********0012"
    assert mask_phone("13812345678") == "138****5678"

