"""Who may look at what (a unit admin: own institution; the province: all), and where institutions sit."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from cme.core.actors import Actor, require_role
from cme.domain.enums import Role
from cme.errors import NotPermitted
from cme.models import Institution, Region

NO_CITY = "（未知市州）"


def scope(actor: Actor, institution_id: int | None) -> int | None:
    """The institution the actor may look at: a unit admin only their own; the province any (None = all)."""
    require_role(actor, Role.UNIT, Role.PROVINCE)
    if actor.is_unit_admin:
        if institution_id is not None and institution_id != actor.institution_id:
            raise NotPermitted("只能查看本机构的人员")
        return actor.institution_id
    return institution_id


@dataclass(frozen=True)
class Place:
    institution: str
    city_code: str | None
    city: str


UNKNOWN_PLACE = Place("", None, NO_CITY)


def places(session: Session, institution_id: int | None = None) -> dict[int, Place]:
    """Institution id → name and 市州 (an institution sits in a city or in one of its districts)."""
    regions = {r.code: (r.name, r.level, r.parent_code)
               for r in session.execute(select(Region.code, Region.name, Region.level, Region.parent_code))}
    q = select(Institution.id, Institution.name, Institution.region_code)
    if institution_id is not None:
        q = q.where(Institution.id == institution_id)
    out = {}
    for iid, iname, rcode in session.execute(q):
        _name, level, parent = regions.get(rcode, (None, None, None))
        city = rcode if level == "city" else parent if level == "district" else None
        out[iid] = Place(iname, city, regions[city][0] if city in regions else NO_CITY)
    return out
