"""The credit form's draft: what a person has typed and not saved, kept on the server (one per person).

The page saves the form's values as they change and offers them again after F5 (a new browser session of
the same login, possibly on another replica); a saved credit, or closing the form, drops the draft. Only
the form's own fields are kept, as short texts (dates as YYYY-MM-DD): a draft is never a way to store
anything else, and it is checked like any input only when the credit is submitted. The proof file is not
kept (it is uploaded again).
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cme import clock
from cme.core.actors import Actor
from cme.core.policy import use_case
from cme.models import CreditDraft

FIELDS = ("project_code", "credits", "credit_type", "date_from", "date_to", "form", "project_name", "organizer", "year",
          "subject_parent", "subject_child", "remark")
DATES = ("date_from", "date_to")
MAX_TEXT = 500  # the longest field of the form (备注说明)


def _clean(values: dict) -> dict:
    out: dict[str, str | int | None] = {}
    for f in FIELDS:
        v = values.get(f)
        if v is None or v == "":
            continue
        if f in DATES:
            out[f] = v.isoformat() if isinstance(v, date) else str(v)[:10]
        elif f == "year":
            out[f] = int(v) if str(v).isdigit() else None
        else:
            out[f] = str(v)[:MAX_TEXT]
    return {k: v for k, v in out.items() if v is not None}


@use_case
def save_draft(session: Session, actor: Actor, values: dict) -> None:
    """Keep the form's current values for the actor (replacing the previous draft); nothing typed → no draft."""
    data = _clean(values)
    row = session.get(CreditDraft, actor.id)
    if not data:
        if row is not None:
            session.delete(row)
        return
    if row is None:
        try:
            with session.begin_nested():  # two tabs of one person may both be the first to save
                session.add(CreditDraft(user_id=actor.id, data=data, updated_at=clock.utcnow()))
            return
        except IntegrityError:  # the other tab's draft arrived first: this one, typed later, replaces it
            row = session.get_one(CreditDraft, actor.id, populate_existing=True)
    if row.data != data:
        row.data, row.updated_at = data, clock.utcnow()


@use_case
def load_draft(session: Session, actor: Actor) -> dict | None:
    """The actor's draft as the form's values (dates as dates), or None."""
    data = session.scalar(select(CreditDraft.data).where(CreditDraft.user_id == actor.id))
    if not data:
        return None
    out = {f: data.get(f) for f in FIELDS}
    for f in DATES:
        try:
            out[f] = date.fromisoformat(out[f]) if out[f] else None
        except ValueError:
            out[f] = None
    return out


@use_case
def discard_draft(session: Session, actor: Actor) -> None:
    session.execute(delete(CreditDraft).where(CreditDraft.user_id == actor.id))
