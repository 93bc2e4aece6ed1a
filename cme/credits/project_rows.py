"""A 项目库 project as the forms edit it (ProjectInput) and as it is read (ProjectRow): one shape for the
project library's pages and the credit form's prefill."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from cme.models import Project


@dataclass
class ProjectInput:
    code: str = ""
    name: str = ""
    organizer: str = ""
    year: int | None = None
    credit_type: str | None = None
    credits: str | Decimal | float | None = None
    form: str | None = None
    subject_parent: str | None = None
    subject_child: str | None = None
    date_from: date | None = None
    date_to: date | None = None


@dataclass(frozen=True)
class ProjectRow:
    id: int
    code: str
    name: str
    organizer: str
    year: int
    credit_type: str
    credits: Decimal
    form: str | None
    subject_parent: str | None
    subject_child: str | None
    date_from: date | None
    date_to: date | None

    @property
    def project_name(self) -> str:
        """As the credit form names it (项目名称)."""
        return self.name

    def as_input(self) -> ProjectInput:
        return ProjectInput(self.code, self.name, self.organizer, self.year, self.credit_type, self.credits,
                            self.form, self.subject_parent, self.subject_child, self.date_from, self.date_to)

    def table_row(self) -> dict[str, object]:
        period = f"{self.date_from} 至 {self.date_to}" if self.date_from and self.date_to else ""
        subject = " › ".join(p for p in (self.subject_parent, self.subject_child) if p)
        return {"项目编号": self.code, "项目名称": self.name, "主办单位": self.organizer, "举办年度": self.year,
                "学分类型": self.credit_type, "学分": f"{self.credits:.1f}", "学分获取形式": self.form or "",
                "学科分类": subject, "举办时间": period}


def project_row(p: Project) -> ProjectRow:
    return ProjectRow(p.id, p.code, p.name, p.organizer, p.year, p.credit_type, p.credits, p.form,
                      p.subject_parent, p.subject_child, p.date_from, p.date_to)
