"""`seed-demo`: demo institutions, admins, ~50 staff and several years of credits.

Deterministic (fixed random seed) and idempotent: a second run finds the data and adds nothing.
Every demo account shares DEMO_PASSWORD, hashed once.
"""
from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from cme.accounts.users import create_admin, create_person
from cme.clock import today, utcnow
from cme.config import DATA_DIR
from cme.core import reference
from cme.credits.summaries import refresh_summary
from cme.domain.compliance import CLASS_II, NATIONAL_I, PROVINCIAL_I
from cme.domain.enums import CreditReviewAction, ReviewStatus, Role
from cme.domain.identity import check_digit
from cme.domain.passwords import hash_password
from cme.domain.standards import pick_standard
from cme.models import (
    CreditRecord,
    CreditReview,
    CreditStandard,
    Department,
    Institution,
    Notice,
    PersonalStandard,
    Profile,
    Project,
    Region,
    User,
)

DEMO_PASSWORD = "cme2026demo"
PROVINCE_ADMIN = "province_admin"
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "霞", "平",
         "刚", "桂英", "建华", "志强", "晓燕", "海燕", "文静", "子涵", "雨桐", "浩然", "思远", "星宇"]
FORMS = ["学术会议", "学习班", "讲座", "远程教育", "进修", "自学"]
TOPICS = ["心血管疾病诊疗进展", "急危重症救治", "院内感染防控", "合理用药与药学监护", "医学影像新技术", "护理质量管理",
          "慢病管理与全科诊疗", "中医适宜技术推广", "检验医学质量控制", "围手术期管理", "儿科常见病诊治", "医疗安全与法规"]
TITLES = ["医师系列 - 主任医师(正高)", "医师系列 - 副主任医师(副高)", "医师系列 - 主治医师(中级)", "医师系列 - 医师(初级)",
          "护理系列 - 主管护师(中级)", "护理系列 - 护师(初级)", "药学系列 - 主管药师(中级)", "技师系列 - 副主任技师(副高)",
          "中医医师系列 - 中医主治医师(中级)"]


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    name: str
    institution: str


def _id_number(rng: random.Random, n: int) -> tuple[str, str]:
    born = date(1965, 1, 1) + timedelta(days=rng.randint(0, 12000))
    seq = f"{n % 1000:03d}"
    first17 = f"510104{born:%Y%m%d}{seq}"
    return first17 + check_digit(first17), ("男" if int(seq[-1]) % 2 else "女")


def _region_code(session: Session, city: str, district: str) -> str:
    city_code = session.scalars(select(Region.code).where(Region.name == city, Region.level == "city")).one()
    return session.scalars(select(Region.code).where(Region.name == district, Region.parent_code == city_code)).one()


def seed_demo(session: Session) -> int:
    """Returns the number of staff accounts created (0 when the demo data is already there)."""
    if session.scalars(select(User.id).where(User.username == PROVINCE_ADMIN)).first():
        return 0
    rng = random.Random(20261125)
    pw_hash = hash_password(DEMO_PASSWORD)
    with open(DATA_DIR / "demo" / "institutions.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    create_admin(session, username=PROVINCE_ADMIN, password="", password_hash=pw_hash, name="省继教办管理员", role=Role.PROVINCE)
    institutions = []
    for row in rows:
        inst = Institution(code=row["code"], name=row["name"], region_level=row["region_level"],
                           region_code=_region_code(session, row["city"], row["district"]))
        session.add(inst)
        session.flush()
        for name in row["departments"].split(";"):
            session.add(Department(institution_id=inst.id, name=name))
        create_admin(session, username=f"admin_{row['code'].lower()}", password="", password_hash=pw_hash,
                     name=f"{row['name']}管理员", role=Role.UNIT, institution_code=row["code"])
        institutions.append(inst)
    session.flush()

    this_year = today().year
    staff = 0
    for n in range(1, 51):
        inst = institutions[n % len(institutions)]
        depts = reference.departments(session, inst.id)
        id_number, sex = _id_number(rng, n)
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        user = create_person(
            session, username=f"demo{n:03d}", password="", password_hash=pw_hash, name=name, id_number=id_number,
            phone=f"1380000{n:04d}", institution_code=inst.code, department=depts[n % len(depts)][1],
            profile_completed=(n != 50),  # demo050 shows the first-login form
        )
        title = TITLES[n % len(TITLES)]
        if n != 50:
            session.add(Profile(user_id=user.id, basic={"姓名": name, "性别": sex, "技术职称": title}))
        admin_id = session.scalars(select(User.id).where(User.username == f"admin_{inst.code.lower()}")).one()
        _seed_credits(session, rng, user, inst, title, this_year, admin_id, diligent=(n % 3 == 1))
        staff += 1
    _seed_notices(session, institutions)
    _seed_projects(session, institutions)
    return staff


def _seed_credits(session: Session, rng: random.Random, user: User, inst: Institution, title: str, this_year: int,
                  reviewer_id: int, *, diligent: bool) -> None:
    """Five years of mixed credits; `diligent` staff also meet this year's standard and the national cycle."""
    titles = reference.titles(session)
    subjects = reference.subjects(session)
    for year in range(this_year - 4, this_year + 1):
        standard = pick_standard(reference.standards_for_year(session, year), inst.region_level, titles[title])
        std_id = session.scalars(
            select(CreditStandard.id).where(CreditStandard.code == standard.code)
        ).first()
        session.add(PersonalStandard(user_id=user.id, year=year, region_level=inst.region_level, title=title, standard_id=std_id))
        count = rng.randint(2, 7) if year < this_year else rng.randint(1, 4)
        for k in range(count):
            ctype = rng.choices([NATIONAL_I, PROVINCIAL_I, CLASS_II], weights=[1, 3, 4])[0]
            start = date(year, rng.randint(1, 11 if year < this_year else max(1, today().month - 1)), rng.randint(1, 25))
            end = min(start + timedelta(days=rng.randint(0, 3)), today())
            status = ReviewStatus.APPROVED if year < this_year - 1 else rng.choices(
                [ReviewStatus.APPROVED, ReviewStatus.PENDING, ReviewStatus.REJECTED], [6, 3, 1])[0]
            parent = rng.choice(list(subjects))
            rec = CreditRecord(
                user_id=user.id, project_code=f"{year % 100:02d}-{'01' if ctype != CLASS_II else '02'}-{rng.randint(10000000, 99999999)}",
                project_name=rng.choice(TOPICS) + ("学习班" if k % 2 else "专题讲座"), organizer=inst.name, year=year,
                credits=Decimal(rng.choice(["1.0", "2.0", "3.0", "4.0", "5.0", "1.5", "2.5"])), credit_type=ctype,
                form=rng.choice(FORMS), subject_parent=parent, subject_child=(subjects[parent] or [parent])[0],
                date_from=start, date_to=end, status=status,
                reject_reason="证明材料不清晰，请重新上传" if status == ReviewStatus.REJECTED else None,
            )
            # submitted a few days after the activity, so review queues show realistic waiting times
            rec.created_at = rec.updated_at = min(datetime.combine(end, time(1)) + timedelta(days=rng.randint(1, 20)), utcnow())
            if status == ReviewStatus.PENDING:  # a queue waiting days or weeks, not since last year
                rec.created_at = rec.updated_at = max(rec.created_at, utcnow() - timedelta(days=rng.randint(1, 40)))
            session.add(rec)
            session.flush()
            session.add(CreditReview(credit_id=rec.id, actor_id=user.id, action=CreditReviewAction.SUBMIT))
            if status != ReviewStatus.PENDING:
                rec.reviewed_at, rec.reviewed_by = utcnow(), reviewer_id
                action = CreditReviewAction.APPROVE if status == ReviewStatus.APPROVED else CreditReviewAction.REJECT
                session.add(CreditReview(credit_id=rec.id, actor_id=reviewer_id, action=action, reason=rec.reject_reason))
        if diligent:
            _top_up(session, user, inst, standard, year, this_year, reviewer_id)
        refresh_summary(session, user.id, year)


def _top_up(session: Session, user: User, inst: Institution, standard, year: int, this_year: int, reviewer_id: int) -> None:
    """Approved credits that cover the year's requirement (and, two years back, the national cycle)."""
    amounts = [(PROVINCIAL_I, standard.provincial_i_per_year, "01"), (CLASS_II, standard.class_ii_per_year, "02")]
    if year == this_year - 2:
        amounts.append((NATIONAL_I, standard.national_i_per_cycle, "00"))
    day = date(year, 3, 18)
    for ctype, credits, series in amounts:
        if credits <= 0:
            continue
        rec = CreditRecord(
            user_id=user.id, project_code=f"{year % 100:02d}-{series}-{user.id:04d}{year % 100:02d}", year=year,
            project_name=f"{year}年度{'国家级继续医学教育项目' if ctype == NATIONAL_I else '四川省继续医学教育项目'}（年度汇总）",
            organizer=inst.name, credits=Decimal(credits), credit_type=ctype, form="学习班", subject_parent="临床医学",
            subject_child="内科学", date_from=day, date_to=day + timedelta(days=2), status=ReviewStatus.APPROVED,
            reviewed_at=utcnow(), reviewed_by=reviewer_id,
        )
        rec.created_at = rec.updated_at = datetime.combine(day + timedelta(days=5), time(1))
        session.add(rec)
        session.flush()
        session.add(CreditReview(credit_id=rec.id, actor_id=user.id, action=CreditReviewAction.SUBMIT))
        session.add(CreditReview(credit_id=rec.id, actor_id=reviewer_id, action=CreditReviewAction.APPROVE))


def _seed_notices(session: Session, institutions: list[Institution]) -> None:
    admin = session.scalars(select(User).where(User.username == PROVINCE_ADMIN)).one()
    year = today().year
    session.add(Notice(title=f"关于做好{year}年度继续医学教育学分审核工作的通知", body="请各单位于12月20日前完成本年度学分审核。",
                       sender_id=admin.id, level="省级", theme="学分审核", start_date=date(year, 11, 1), end_date=date(year, 12, 20)))
    session.add(Notice(title="四川省继续医学教育平台系统更新说明",
                       body="系统更新前使用过继教平台的个人用户，请直接使用原用户名和密码登录。",
                       sender_id=admin.id, level="省级", theme="系统通知", start_date=date(year, 1, 1), end_date=date(year, 12, 31)))


def _seed_projects(session: Session, institutions: list[Institution]) -> None:
    """项目库: one project running today (签到管理 can open its sign-in at once) and upcoming ones of each
    class (学分计划 suggests them)."""
    day = today()
    rows = [  # (days from today, length, organiser, class, credits, name, subject)
        (0, 1, 0, CLASS_II, "2", "心血管疾病诊疗进展学习班", ("临床医学", "内科学")),
        (10, 1, 1, PROVINCIAL_I, "3", "合理用药与药学监护培训班", ("药学", "药理学")),
        (20, 2, 0, NATIONAL_I, "5", "急危重症救治新进展（国家级继续医学教育项目）", ("临床医学", "内科学")),
        (30, 0, 3, CLASS_II, "2", "护理质量管理专题讲座", ("护理学", "内科护理学")),
    ]
    for n, (offset, length, inst, ctype, credits, name, (parent, child)) in enumerate(rows, 1):
        start = day + timedelta(days=offset)
        session.add(Project(code=f"SC{start.year}-DEMO-{n:02d}", name=name, organizer=institutions[inst].name,
                            year=start.year, credit_type=ctype, credits=Decimal(credits), form="学习班",
                            subject_parent=parent, subject_child=child, date_from=start,
                            date_to=start + timedelta(days=length)))


def demo_accounts(session: Session) -> list[DemoAccount]:
    """The accounts the login page lists in demo mode: staff first, then the admins."""
    q = (
        select(User.username, User.role, User.name, Institution.name)
        .outerjoin(Institution, Institution.id == User.institution_id)
        .where((User.username.like("admin_%")) | (User.username == PROVINCE_ADMIN) | User.username.in_(["demo001", "demo002", "demo050"]))
    )
    order: dict[str, int] = {Role.PERSON: 0, Role.UNIT: 1, Role.PROVINCE: 2}
    rows = sorted(session.execute(q), key=lambda r: (order[r[1]], r[0]))
    return [DemoAccount(u, r, n, i or "四川省") for u, r, n, i in rows]
