"""The 学分综合查询 total line counts approved credits only, I类 and II类 apart."""
from datetime import date
from decimal import Decimal

from cme.credits.search import CreditRow, search_totals


def row(credits: str, ctype: str, status: str) -> CreditRow:
    return CreditRow(1, "张三", "P1", "项目", Decimal(credits), ctype, 2026, date(2026, 3, 1), date(2026, 3, 2), "学习班",
                     "临床医学 › 内科学", "医院", status, status, "", "2026-03-03 10:00")


def test_totals_count_approved_credits_by_class():
    rows = [row("5", "国家级I类", "approved"), row("2.5", "省级I类", "approved"), row("4", "II类", "approved"),
            row("9", "II类", "pending"), row("7", "省级I类", "rejected")]
    t = search_totals(rows)
    assert (t.rows, t.approved) == (5, 3)
    assert (t.class_i, t.class_ii) == (Decimal("7.5"), Decimal("4"))


def test_totals_of_nothing_are_zero():
    t = search_totals([])
    assert (t.rows, t.approved, t.class_i, t.class_ii) == (0, 0, 0, 0)
