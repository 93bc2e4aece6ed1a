"""Chinese labels for the English status codes stored in the database.

Keyed by str: the columns hold the codes as str, and each StrEnum member is its code."""
from cme.domain.enums import AccountStatus, CertificateKind, ReviewStatus, Role

ROLE: dict[str, str] = {Role.PERSON: "个人用户", Role.UNIT: "单位管理员", Role.PROVINCE: "省级管理员"}
REGISTRATION_STATUS: dict[str, str] = {
    AccountStatus.PENDING: "单位待审",
    AccountStatus.REJECTED: "单位审核不过",
    AccountStatus.APPROVED: "单位审核通过",
    AccountStatus.DISABLED: "已停用",
}
REVIEW_STATUS: dict[str, str] = {ReviewStatus.PENDING: "待审", ReviewStatus.APPROVED: "审核通过", ReviewStatus.REJECTED: "审核不过"}
CERTIFICATE_KIND: dict[str, str] = {
    CertificateKind.COMBINED: "合成I类II类综合学分证明",
    CertificateKind.CLASS1: "合成I类学分证明",
    CertificateKind.CLASS2: "合成II类学分证明",
}
