"""Institution-year rollups of the stored verdicts, moved by delta in the transaction of every change.

Rules:
* Only today's staff count: role person, status approved, at their institution and department now
  (the analytics' rule). A person-year contributes to (institution, year, department, title level,
  standard) one 达标 or 未达标 and its pending credit records; 未设置 is never stored: it is the staff
  count minus 达标 minus 未达标, because a person without a standard has no row to count.
* Two moves keep them exact: a person-year's verdict changes (cme.credits.verdicts calls `move_rows`),
  or a person joins, leaves or changes institution/department (the before-flush hook below sees every
  ORM change of a User, wherever it is made).
* Deltas are applied as `INSERT … ON CONFLICT DO UPDATE SET n = n + excluded.n` in key order: concurrent
  writers increment the same row under its row lock (PostgreSQL) or the write lock (SQLite), and
  taking rows in one order avoids deadlocks.
* `rebuild_all` recomputes everything from the rows in three INSERT … SELECT … GROUP BY statements
  (after a bulk load or a batch re-judgement); tests compare it with the deltas.

Base layer: imports only models (it is bookkeeping of tables every context writes).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import NamedTuple

from sqlalchemy import event, inspect, select, text
from sqlalchemy.orm import Session

from cme.domain.enums import AccountStatus, Role, Verdict
from cme.models import CreditSummary, InstitutionYearRollup, StaffCount, User, VerdictRollup

ROLLUP_LOCK = 7011  # advisory-lock namespace of the rollups (the second key is the institution id)


class Member(NamedTuple):
    institution_id: int
    department_id: int  # 0 = none


class Cell(NamedTuple):
    """What one person-year row contributes, wherever its person is counted."""

    year: int
    title_level: str
    standard_code: str
    met: int
    not_met: int
    pending: int


def member_of(role: str | None, status: str | None, institution_id: int | None, department_id: int | None) -> Member | None:
    if role != Role.PERSON or status != AccountStatus.APPROVED or institution_id is None:
        return None
    return Member(institution_id, department_id or 0)


def cell(year: int, verdict: str, title_level: str | None, standard_code: str | None, pending_records: int) -> Cell:
    return Cell(year, title_level or "", standard_code or "", int(verdict == Verdict.MET), int(verdict == Verdict.NOT_MET),
                int(pending_records or 0))


class Deltas:
    """Accumulated moves, applied at once in key order."""

    def __init__(self) -> None:
        self.fine: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
        self.coarse: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
        self.staff: dict[tuple, int] = defaultdict(int)

    def add(self, member: Member | None, cells: Iterable[Cell], sign: int) -> None:
        if member is None:
            return
        for c in cells:
            if not (c.met or c.not_met or c.pending):
                continue
            for target, key in ((self.fine, (member.institution_id, c.year, member.department_id, c.title_level,
                                             c.standard_code)), (self.coarse, (member.institution_id, c.year))):
                t = target[key]
                t[0] += sign * c.met
                t[1] += sign * c.not_met
                t[2] += sign * c.pending

    def add_staff(self, member: Member | None, sign: int) -> None:
        if member is not None:
            self.staff[member] += sign

    def apply(self, session: Session) -> None:
        if session.get_bind().dialect.name == "postgresql":
            # one writer per institution's rollups at a time: a transaction moving several rows (a batch of
            # decisions over several years) can then never hold one row while waiting for another's holder
            for inst in sorted({k[0] for k in self.fine} | {k[0] for k in self.coarse} | {k[0] for k in self.staff}):
                session.execute(text("SELECT pg_advisory_xact_lock(:ns, :inst)"), dict(ns=ROLLUP_LOCK, inst=inst))
        fine = [dict(i=k[0], y=k[1], d=k[2], t=k[3], s=k[4], m=v[0], n=v[1], p=v[2])
                for k, v in sorted(self.fine.items()) if any(v)]
        coarse = [dict(i=k[0], y=k[1], m=v[0], n=v[1], p=v[2]) for k, v in sorted(self.coarse.items()) if any(v)]
        staff = [dict(i=k[0], d=k[1], n=v) for k, v in sorted(self.staff.items()) if v]
        if fine:
            session.execute(text(
                "INSERT INTO verdict_rollups (institution_id, year, department_id, title_level, standard_code, met, "
                "not_met, pending) VALUES (:i, :y, :d, :t, :s, :m, :n, :p) ON CONFLICT (institution_id, year, "
                "department_id, title_level, standard_code) DO UPDATE SET met = verdict_rollups.met + excluded.met, "
                "not_met = verdict_rollups.not_met + excluded.not_met, pending = verdict_rollups.pending + excluded.pending"),
                fine)
        if coarse:
            session.execute(text(
                "INSERT INTO institution_year_rollups (institution_id, year, met, not_met, pending) "
                "VALUES (:i, :y, :m, :n, :p) ON CONFLICT (institution_id, year) DO UPDATE SET "
                "met = institution_year_rollups.met + excluded.met, not_met = institution_year_rollups.not_met + "
                "excluded.not_met, pending = institution_year_rollups.pending + excluded.pending"), coarse)
        if staff:
            session.execute(text(
                "INSERT INTO staff_counts (institution_id, department_id, staff) VALUES (:i, :d, :n) "
                "ON CONFLICT (institution_id, department_id) DO UPDATE SET staff = staff_counts.staff + excluded.staff"),
                staff)


def _cells_of(session: Session, user_ids: list[int]) -> dict[int, list[Cell]]:
    out: dict[int, list[Cell]] = defaultdict(list)
    for i in range(0, len(user_ids), 500):
        for uid, year, verdict, title, code, pending in session.execute(
                select(CreditSummary.user_id, CreditSummary.year, CreditSummary.verdict, CreditSummary.title_level,
                       CreditSummary.standard_code, CreditSummary.pending_records)
                .where(CreditSummary.user_id.in_(user_ids[i:i + 500]))):
            out[uid].append(cell(year, verdict, title, code, pending))
    return out


# ---- people who join, leave or move ----------------------------------------------------------------------

_MEMBER_FIELDS = ("role", "status", "institution_id", "department_id")


def _on_flush(session: Session, _context, _instances) -> None:
    """Before the ORM writes User changes, move their counted rows from the old place to the new."""
    moves: dict[int, tuple[Member | None, Member | None]] = {}
    deltas = Deltas()
    changed = [u for u in session.dirty if isinstance(u, User)
               and any(inspect(u).attrs[f].history.has_changes() for f in _MEMBER_FIELDS)]
    if changed:  # the database still holds the old values: nothing of this flush is written yet
        ids = [u.id for u in changed]
        old = {uid: member_of(role, status, inst, dept) for uid, role, status, inst, dept in session.execute(
            select(User.id, User.role, User.status, User.institution_id, User.department_id).where(User.id.in_(ids)))}
        for u in changed:
            moves[u.id] = (old.get(u.id), member_of(u.role, u.status, u.institution_id, u.department_id))
    for u in session.new:
        if isinstance(u, User):
            deltas.add_staff(member_of(u.role, u.status or AccountStatus.PENDING, u.institution_id, u.department_id), +1)
    for u in session.deleted:
        if isinstance(u, User):
            moves[u.id] = (member_of(u.role, u.status, u.institution_id, u.department_id), None)
    moves = {uid: m for uid, m in moves.items() if m[0] != m[1]}
    if not moves and not deltas.staff:
        return
    cells = _cells_of(session, sorted(moves))
    for uid, (before, after) in moves.items():
        deltas.add(before, cells.get(uid, ()), -1)
        deltas.add(after, cells.get(uid, ()), +1)
        deltas.add_staff(before, -1)
        deltas.add_staff(after, +1)
    deltas.apply(session)


def install(session_class=Session) -> None:
    if not event.contains(session_class, "before_flush", _on_flush):
        event.listen(session_class, "before_flush", _on_flush)


# ---- from scratch ------------------------------------------------------------------------------------

_STAFF = "u.role = :person AND u.status = :approved AND u.institution_id IS NOT NULL"
_CODES = dict(person=Role.PERSON, approved=AccountStatus.APPROVED, met=Verdict.MET, not_met=Verdict.NOT_MET)


def rebuild_all(session: Session) -> None:
    """Recompute every rollup from users and stored verdicts (set-based; after bulk loads)."""
    session.flush()
    for table in ("verdict_rollups", "institution_year_rollups", "staff_counts"):
        session.execute(text(f"DELETE FROM {table}"))
    session.execute(text(f"""
        INSERT INTO verdict_rollups (institution_id, year, department_id, title_level, standard_code, met, not_met, pending)
        SELECT u.institution_id, c.year, COALESCE(u.department_id, 0), COALESCE(c.title_level, ''),
               COALESCE(c.standard_code, ''), SUM(CASE WHEN c.verdict = :met THEN 1 ELSE 0 END),
               SUM(CASE WHEN c.verdict = :not_met THEN 1 ELSE 0 END), SUM(c.pending_records)
        FROM credit_summaries c JOIN users u ON u.id = c.user_id WHERE {_STAFF}
        GROUP BY u.institution_id, c.year, COALESCE(u.department_id, 0), COALESCE(c.title_level, ''),
                 COALESCE(c.standard_code, '')"""), _CODES)
    session.execute(text("""
        INSERT INTO institution_year_rollups (institution_id, year, met, not_met, pending)
        SELECT institution_id, year, SUM(met), SUM(not_met), SUM(pending) FROM verdict_rollups
        GROUP BY institution_id, year"""))
    session.execute(text(f"""
        INSERT INTO staff_counts (institution_id, department_id, staff)
        SELECT u.institution_id, COALESCE(u.department_id, 0), COUNT(*) FROM users u WHERE {_STAFF}
        GROUP BY u.institution_id, COALESCE(u.department_id, 0)"""), dict(person=Role.PERSON, approved=AccountStatus.APPROVED))


def snapshot(session: Session) -> dict[str, set]:
    """Every rollup row with a non-zero count (for comparing deltas with `rebuild_all`)."""
    return {
        "fine": {tuple(r) for r in session.execute(select(
            VerdictRollup.institution_id, VerdictRollup.year, VerdictRollup.department_id, VerdictRollup.title_level,
            VerdictRollup.standard_code, VerdictRollup.met, VerdictRollup.not_met, VerdictRollup.pending))
            if any(r[5:])},
        "coarse": {tuple(r) for r in session.execute(select(
            InstitutionYearRollup.institution_id, InstitutionYearRollup.year, InstitutionYearRollup.met,
            InstitutionYearRollup.not_met, InstitutionYearRollup.pending)) if any(r[2:])},
        "staff": {tuple(r) for r in session.execute(select(StaffCount.institution_id, StaffCount.department_id,
                                                           StaffCount.staff)) if r[2]},
    }


def moved(session: Session, user_id: int, before: Member | None) -> None:
    """A User row changed by a Core statement (a conditional decision), which the flush hook does not see:
    move the person's counted rows from `before` to where the database now says they are."""
    role, status, inst, dept = session.execute(select(User.role, User.status, User.institution_id, User.department_id)
                                               .where(User.id == user_id)).one()
    after = member_of(role, status, inst, dept)
    if after == before:
        return
    deltas = Deltas()
    cells = _cells_of(session, [user_id]).get(user_id, ())
    deltas.add(before, cells, -1)
    deltas.add(after, cells, +1)
    deltas.add_staff(before, -1)
    deltas.add_staff(after, +1)
    deltas.apply(session)
