"""Chinese labels for the English status codes stored in the database."""

ROLE = {"person": "个人用户", "unit": "单位管理员", "province": "省级管理员"}
REGISTRATION_STATUS = {
    "pending": "单位待审",
    "rejected": "单位审核不过",
    "approved": "单位审核通过",
    "disabled": "已停用",
}
REVIEW_STATUS = {"pending": "待审", "approved": "审核通过", "rejected": "审核不过"}
CERTIFICATE_KIND = {
    "combined": "合成I类II类综合学分证明",
    "class1": "合成I类学分证明",
    "class2": "合成II类学分证明",
}
