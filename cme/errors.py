"""Named domain errors. Their message is the Chinese text the user sees."""
from __future__ import annotations


class DomainError(Exception):
    """Base class: str(error) is shown to the user as it is."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationError(DomainError):
    """Bad input; `errors` maps each field label to what is wrong with it."""

    def __init__(self, errors: dict[str, str] | str, field: str | None = None):
        if isinstance(errors, str):
            errors = {field or "": errors}
        self.errors = errors
        text = "；".join(f"{k}：{v}" if k else v for k, v in errors.items())
        super().__init__(text, field)


class FieldErrors(dict[str, str]):
    """A form's errors, one Chinese message per field label, so that every bad field is named at once.

    `value = errors.check("身份证号", parse_id_number, raw)` returns the checked value, or None with the
    check's ValueError message recorded under the label; `errors.raise_if_any()` ends the validation.
    """

    def check(self, label: str, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except ValueError as e:
            self[label] = str(e)
            return None

    def raise_if_any(self) -> None:
        if self:
            raise ValidationError(dict(self))


class NotPermitted(DomainError):
    def __init__(self, message: str = "无权访问该数据"):
        super().__init__(message)


class NotFound(DomainError):
    def __init__(self, message: str = "记录不存在"):
        super().__init__(message)


class AuthError(DomainError):
    """Login refused; the message says why without revealing which part was wrong."""


class AccountLocked(AuthError):
    pass


class RecordLocked(DomainError):
    """The record is past the state in which it may change."""


class Duplicate(DomainError):
    pass


class DuplicateCredit(Duplicate):
    def __init__(self, message: str = "该项目学分已登记"):
        super().__init__(message, "项目编号")


class Throttled(DomainError):
    pass
