"""Pure checks of identifiers: 身份证号 (GB 11643), mainland mobile numbers, usernames, e-mail."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from cme.domain.inputs import clean_text, fold_digits

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
PHONE_RE = re.compile(r"^1[3-9][0-9]{9}$")  # [0-9], not \d: ٥ or ५ are not phone digits
USERNAME_RE = re.compile(r"^[A-Za-z0-9_]{4,20}$")
EMAIL_RE = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")


def normalize(text: str | None) -> str:
    """For identifiers (用户名, 登录名, codes), never free text: NFKC folds full-width digits and
    letters (１２３ → 123); whitespace trimmed. Patterns matched afterwards must be ASCII-only."""
    return unicodedata.normalize("NFKC", text or "").strip()


@dataclass(frozen=True)
class IdCard:
    number: str
    birth_date: date
    sex: str  # 男 / 女


def filled(value: str) -> str:
    """The value of a required field; an empty one is refused with the one wording."""
    if not value:
        raise ValueError("不能为空")
    return value


def check_digit(first17: str) -> str:
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def parse_id_number(raw: str, today: date | None = None) -> IdCard:
    """Validate an 18-digit 身份证号 and derive birth date and sex; raises ValueError in Chinese."""
    number = filled(fold_digits(raw).upper())
    if not re.fullmatch(r"[0-9]{17}[0-9X]", number):
        raise ValueError("应为18位，前17位为数字，最后一位为数字或X")
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValueError("出生日期部分无效") from None
    today = today or date.today()
    if born > today or born.year < 1900:
        raise ValueError("出生日期部分无效")
    if check_digit(number[:17]) != number[17]:
        raise ValueError("校验位不正确，请核对")
    return IdCard(number=number, birth_date=born, sex="男" if int(number[16]) % 2 else "女")


def check_phone(raw: str) -> str:
    phone = filled(fold_digits(raw))
    if not PHONE_RE.fullmatch(phone):
        raise ValueError("请输入11位大陆手机号码")
    return phone


def check_username(raw: str) -> str:
    name = filled(normalize(raw))
    if not USERNAME_RE.fullmatch(name):
        raise ValueError("应为4–20位字母、数字或下划线")
    if name.isdigit() and len(name) == 11:
        # login accepts 用户名 or 手机号: such a name would catch the logins of whoever owns that number
        raise ValueError("不能使用手机号码格式（11位数字）")
    return name


def check_email(raw: str) -> str:
    email = filled(normalize(raw))
    if len(email) > 100 or not EMAIL_RE.fullmatch(email):
        raise ValueError("格式不正确")
    return email


def check_text(raw: str | None, *, max_len: int, required: bool = True, multiline: bool = False) -> str:
    """Free text as typed (not NFKC-folded; see cme.domain.inputs), control characters stripped,
    trimmed and length-limited. Stored and shown literally."""
    value = clean_text(raw, multiline=multiline)
    if not value:
        if required:
            raise ValueError("不能为空")
        return ""
    if len(value) > max_len:
        raise ValueError(f"不能超过{max_len}个字符")
    return value


def age_on(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
