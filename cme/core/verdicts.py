"""Stored verdicts: each person-year summary row carries its standard and its 达标/未达标/未设置.

Rules:
* The verdict is `cme.domain.compliance.year_verdict` — the same function as the person's 首页 — with the
  person's standard of that year, the approved totals of the national cycle and the deployment setting.
* Every person-year with a personal standard has a row, zero credits included (a row whose standard was
  deleted stays, 未设置, as the totals of a year without credits always did).
* It is kept exact in the transaction of every change that moves it: a credit's totals change (the
  person's later years within the cycle move too — all the person's years are re-judged, a handful of
  rows), a personal standard is added or deleted, an import. A transfer moves no verdict, only where
  it is counted (cme.core.rollups). A standards-table version cannot change a verdict: a version some
  personal standard references is locked (cme.standards.table).
* Each change of a counted verdict moves the rollups by delta (cme.core.rollups) in the same transaction.
* The setting `CME_NATIONAL_COUNTS_AS_PROVINCIAL_I` is recorded with the verdicts; `ensure_current`
  re-judges everything once when it changes (run by init-db and at start-up).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from cme.core import reference, rollups
from cme.domain.compliance import (
    CLASS_II,
    NATIONAL_I,
    PROVINCIAL_I,
    STATUS_MET,
    STATUS_NOT_MET,
    STATUS_UNSET,
    TOTAL,
    ComplianceSettings,
    YearTotals,
    YearVerdict,
    to_credit,
    year_verdict,
)
from cme.domain.enums import ReviewStatus, Verdict
from cme.domain.standards import Standard, parse_title_label
from cme.models import AppSetting, CreditSummary, PersonalStandard, User

ZERO = Decimal("0")
VERDICT_CODE = {STATUS_MET: Verdict.MET, STATUS_NOT_MET: Verdict.NOT_MET}
RULE_KEY = "verdicts.rule"
RULE_VERSION = "1"
_T = CreditSummary.__table__
_STORED = ("standard_id", "standard_code", "title_level", "verdict", "national_i_cycle", "short_national_i",
           "short_provincial_i", "short_class_ii", "short_total")


def current_settings() -> ComplianceSettings:
    from cme.config import get_settings

    return ComplianceSettings(national_counts_as_provincial_i=get_settings().national_counts_as_provincial_i)


def title_level(title: str | None) -> str | None:
    """正高 … 无职称 from a title label; an unreadable label stands for itself (as analytics always showed)."""
    if not title:
        return None
    try:
        return parse_title_label(title)[2]
    except ValueError:
        return title[:10]


def stored_fields(verdict: YearVerdict, standard_id: int | None, title: str | None) -> dict:
    """The columns a verdict is stored in."""
    if verdict.standard_code is None:
        return dict(standard_id=None, standard_code=None, title_level=None, verdict=Verdict.UNSET, national_i_cycle=None,
                    short_national_i=ZERO, short_provincial_i=ZERO, short_class_ii=ZERO, short_total=ZERO)
    m = verdict.missing
    return dict(standard_id=standard_id, standard_code=verdict.standard_code, title_level=title_level(title),
                verdict=VERDICT_CODE[verdict.status], national_i_cycle=verdict.national_i_cycle_obtained,
                short_national_i=m.get(NATIONAL_I, ZERO), short_provincial_i=m.get(PROVINCIAL_I, ZERO),
                short_class_ii=m.get(CLASS_II, ZERO), short_total=m.get(TOTAL, ZERO))


def from_stored(year: int, row, catalogue: dict[int, Standard], settings: ComplianceSettings) -> YearVerdict:
    """The YearVerdict a stored row holds — equal to year_verdict's — built without judging again.

    `row` is a CreditSummary or any row with its column names (None: the person has no row that year)."""
    if row is None or row.national_i is None:
        return YearVerdict(year, None, STATUS_UNSET, ZERO, ZERO, ZERO, ZERO, ZERO, ZERO)
    nat, prov, ii = to_credit(row.national_i), to_credit(row.provincial_i), to_credit(row.class_ii)
    obtained: dict[str, Any] = dict(year=year, national_i_obtained=nat,
                    provincial_i_obtained=prov + nat if settings.national_counts_as_provincial_i else prov,
                    class_ii_obtained=ii, total_obtained=nat + prov + ii, pending_i=to_credit(row.pending_i),
                    pending_ii=to_credit(row.pending_ii))
    std = catalogue.get(row.standard_id) if row.verdict != Verdict.UNSET else None
    if std is None:
        return YearVerdict(standard_code=None, status=STATUS_UNSET, **obtained)
    shortfalls = ((NATIONAL_I, row.short_national_i), (PROVINCIAL_I, row.short_provincial_i),
                  (CLASS_II, row.short_class_ii), (TOTAL, row.short_total))
    return YearVerdict(
        standard_code=std.code, status=STATUS_MET if row.verdict == Verdict.MET else STATUS_NOT_MET,
        provincial_i_required=std.provincial_i_per_year, class_ii_required=std.class_ii_per_year,
        total_required=std.total_per_year, cycle_start=year - std.cycle_years + 1, cycle_end=year,
        national_i_cycle_obtained=to_credit(row.national_i_cycle), national_i_cycle_required=std.national_i_per_cycle,
        missing={k: to_credit(v) for k, v in shortfalls if v > 0}, **obtained)


def _same(a, b) -> bool:
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        return (a is None and b is None) or (a is not None and b is not None and Decimal(a) == Decimal(b))
    return a == b


def judge_people(session: Session, user_ids: Iterable[int] | dict[int, int], settings: ComplianceSettings | None = None
                 ) -> int:
    """Re-judge the person-years of these people — all, or from {user: year} on, since a year's verdict reads only
    that year and the ones before it — store what changed and move the rollups. Returns rows changed."""
    session.flush()
    since = user_ids if isinstance(user_ids, dict) else {}
    ids = sorted(set(user_ids))
    if not ids:
        return 0
    settings = settings or current_settings()
    catalogue = reference.standards_by_id(session)
    changed = 0
    for i in range(0, len(ids), 2000):
        changed += _judge_batch(session, ids[i:i + 2000], catalogue, settings, since)
    _expire_summaries(session, set(ids))
    return changed


def _judge_batch(session: Session, ids: list[int], catalogue: dict[int, Standard], settings: ComplianceSettings,
                 since: dict[int, int]) -> int:
    chosen: dict[int, dict[int, tuple[int, str]]] = defaultdict(dict)
    for uid, year, std_id, std_title in session.execute(
            select(PersonalStandard.user_id, PersonalStandard.year, PersonalStandard.standard_id, PersonalStandard.title)
            .where(PersonalStandard.user_id.in_(ids))):
        chosen[uid][year] = (std_id, std_title)
    rows: dict[int, dict[int, dict]] = defaultdict(dict)
    for r in session.execute(select(_T).where(_T.c.user_id.in_(ids))).mappings():
        rows[r["user_id"]][r["year"]] = dict(r)
    people = {uid: (role, status, inst, dept) for uid, role, status, inst, dept in session.execute(
        select(User.id, User.role, User.status, User.institution_id, User.department_id).where(User.id.in_(ids)))}
    members = {uid: rollups.member_of(*rest) for uid, rest in people.items()}
    institutions = {uid: rest[2] for uid, rest in people.items()}
    inserts, updates = [], []
    deltas = rollups.Deltas()
    for uid in ids:
        mine, standards = rows.get(uid, {}), chosen.get(uid, {})
        totals = {y: YearTotals(y, r["national_i"], r["provincial_i"], r["class_ii"], r["pending_i"], r["pending_ii"])
                  for y, r in mine.items()}
        first = since.get(uid, 0)
        for year in sorted(y for y in set(mine) | set(standards) if y >= first):
            sid, title = standards.get(year) or (None, None)
            standard = catalogue.get(sid) if sid is not None else None
            fields = stored_fields(year_verdict(year, standard, totals, settings), sid, title)
            old = mine.get(year)
            if old is None:
                inserts.append(dict(user_id=uid, year=year, institution_id=institutions.get(uid), national_i=ZERO,
                                    provincial_i=ZERO, class_ii=ZERO, projects_i=0, projects_ii=0, pending_i=ZERO,
                                    pending_ii=ZERO, pending_records=0, **fields))
                deltas.add(members.get(uid), [rollups.cell(year, fields["verdict"], fields["title_level"],
                                                           fields["standard_code"], 0)], +1)
                continue
            before = rollups.cell(year, old["verdict"], old["title_level"], old["standard_code"], old["pending_records"])
            after = rollups.cell(year, fields["verdict"], fields["title_level"], fields["standard_code"],
                                 old["pending_records"])
            if not all(_same(old[k], fields[k]) for k in _STORED):
                updates.append(dict(u=uid, y=year, **fields))
                if before != after:
                    deltas.add(members.get(uid), [before], -1)
                    deltas.add(members.get(uid), [after], +1)
    if inserts:
        session.execute(insert(_T), inserts)
    if updates:
        session.execute(update(_T).where(_T.c.user_id == bindparam("u"), _T.c.year == bindparam("y"))
                        .values({k: bindparam(k) for k in _STORED}), updates)
    deltas.apply(session)
    return len(inserts) + len(updates)


def _expire_summaries(session: Session, ids: set[int]) -> None:
    """Summary objects already loaded in this session are re-read after the statements above."""
    for obj in list(session.identity_map.values()):
        if isinstance(obj, CreditSummary) and obj.user_id in ids:
            session.expire(obj)


def judge_person(session: Session, user_id: int, since_year: int = 0) -> None:
    judge_people(session, {user_id: since_year})


def after_totals(session: Session, summary: CreditSummary, pending_before: int) -> None:
    """A person-year's totals were just recomputed: count its pending records where it is counted, then
    re-judge the person (the later years of the national cycle move too)."""
    if summary.pending_records != pending_before:
        user = session.get_one(User, summary.user_id)
        deltas = rollups.Deltas()
        deltas.add(rollups.member_of(user.role, user.status, user.institution_id, user.department_id),
                   [rollups.Cell(summary.year, summary.title_level or "", summary.standard_code or "", 0, 0,
                                 summary.pending_records - pending_before)], +1)
        deltas.apply(session)
    judge_person(session, summary.user_id, summary.year)


# ---- the recorded rule --------------------------------------------------------------------------------------


def rule_text(settings: ComplianceSettings) -> str:
    return f"v{RULE_VERSION};national_counts_as_provincial_i={int(settings.national_counts_as_provincial_i)}"


def rejudge_all(session: Session, settings: ComplianceSettings | None = None, *, batch: int = 5000) -> int:
    """Judge every person-year anew (a setting changed, or the columns are new), then rebuild the rollups."""
    settings = settings or current_settings()
    people = sorted(set(session.scalars(select(CreditSummary.user_id).distinct()))
                    | set(session.scalars(select(PersonalStandard.user_id).distinct())))
    changed = 0
    for i in range(0, len(people), batch):
        changed += judge_people(session, people[i:i + batch], settings)
    rollups.rebuild_all(session)
    record_rule(session, settings)
    return changed


def record_rule(session: Session, settings: ComplianceSettings) -> None:
    row = session.get(AppSetting, RULE_KEY)
    if row is None:
        session.add(AppSetting(key=RULE_KEY, value=rule_text(settings)))
    else:
        row.value = rule_text(settings)
    session.flush()


def ensure_current(session: Session) -> bool:
    """Re-judge everything once when the recorded rule differs from this deployment's. True if it did."""
    settings = current_settings()
    row = session.get(AppSetting, RULE_KEY)
    if row is not None and row.value == rule_text(settings):
        return False
    rejudge_all(session, settings)
    return True


# ---- checking ---------------------------------------------------------------------------------------------------


def differences(session: Session, user_ids: Iterable[int] | None = None) -> list[tuple[int, int, str, object, object]]:
    """(user, year, column, stored, recomputed) for every stored verdict that differs from a judgement made from
    scratch — totals summed from credit_records, not from the summaries. Empty when all is exact."""
    from sqlalchemy import case, func

    from cme.models import CreditRecord

    settings = current_settings()
    catalogue = reference.standards_by_id(session)
    cr = CreditRecord
    approved = cr.status == ReviewStatus.APPROVED

    def amount(kind):
        return func.coalesce(func.sum(case((approved & (cr.credit_type == kind), cr.credits), else_=0)), 0)

    q_totals = select(cr.user_id, cr.year, amount(NATIONAL_I), amount(PROVINCIAL_I), amount(CLASS_II)).group_by(cr.user_id, cr.year)
    q_std = select(PersonalStandard.user_id, PersonalStandard.year, PersonalStandard.standard_id, PersonalStandard.title)
    q_rows = select(_T)
    if user_ids is not None:
        ids = sorted(set(user_ids))
        q_totals, q_std, q_rows = (q_totals.where(cr.user_id.in_(ids)), q_std.where(PersonalStandard.user_id.in_(ids)),
                                   q_rows.where(_T.c.user_id.in_(ids)))
    totals: dict[int, dict[int, YearTotals]] = defaultdict(dict)
    for uid, year, nat, prov, ii in session.execute(q_totals):
        totals[uid][year] = YearTotals(year, nat, prov, ii)
    chosen = {(uid, year): (sid, title) for uid, year, sid, title in session.execute(q_std)}
    stored = {(r["user_id"], r["year"]): r for r in session.execute(q_rows).mappings()}
    out: list[tuple[int, int, str, object, object]] = []
    for (uid, year) in sorted(set(stored) | set(chosen)):
        sid, title = chosen.get((uid, year)) or (None, None)
        standard = catalogue.get(sid) if sid is not None else None
        want = stored_fields(year_verdict(year, standard, totals.get(uid, {}), settings), sid, title)
        row = stored.get((uid, year))
        if row is None:
            out.append((uid, year, "row", None, want["verdict"]))
            continue
        out.extend((uid, year, k, row[k], want[k]) for k in _STORED if not _same(row[k], want[k]))
    return out
