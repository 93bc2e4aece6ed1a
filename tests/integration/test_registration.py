"""个人注册 → 注册状态查询 → 修改 → 注册审核, on both databases."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from cme import crypto
from cme.accounts import auth, registration, registration_review, sms
from cme.db import session_scope
from cme.errors import AuthError, DomainError, NotPermitted, RecordLocked, Throttled, ValidationError
from cme.models import AuditLog, Department, Institution, User
from tests.factories import make_admin, make_institution, make_person, valid_id_number

PHONE = "13700001111"
NEW_PASSWORD = "Regist3rPass"


def last_code(phone: str) -> str:
    _, text = next(m for m in reversed(sms.ConsoleGateway.outbox) if m[0] == phone)
    return re.search(r"(\d{6})", text).group(1)


def verified_ticket(phone: str = PHONE, purpose: str = "register") -> str:
    with session_scope() as s:
        if purpose == "register":
            registration.send_register_code(s, phone)
        else:
            registration.send_change_phone_code(s, phone)
    with session_scope() as s:
        if purpose == "register":
            return registration.verify_register_phone(s, phone, last_code(phone)).ticket
        return registration.verify_change_phone(s, phone, last_code(phone)).ticket


def form(inst_id: int, dept_id: int | None, **over) -> registration.RegistrationForm:
    values = dict(institution_id=inst_id, department_id=dept_id, username="newuser1", name="张三",
                  id_number=valid_id_number(901), email="zs@example.com", password=NEW_PASSWORD,
                  confirm=NEW_PASSWORD, joins_cme="是", standard_basis="四川省继续医学教育学分标准", consent=True)
    values.update(over)
    return registration.RegistrationForm(**values)


@pytest.fixture
def place(db):
    with session_scope() as s:
        inst = make_institution(s)
        dept = s.scalars(select(Department.id).where(Department.institution_id == inst.id)).first()
        admin = make_admin(s, inst)
        other_inst = make_institution(s)
        other_admin = make_admin(s, other_inst)
        province = make_admin(s, None)
    return dict(inst=inst.id, dept=dept, admin=admin, other_inst=other_inst.id, other_admin=other_admin, province=province)


def do_register(place, phone=PHONE, **over) -> int:
    ticket = verified_ticket(phone)
    with session_scope() as s:
        return registration.register(s, phone, ticket, form(place["inst"], place["dept"], **over))


def test_register_creates_pending_person_with_consent(place):
    user_id = do_register(place)
    assert registration.SUCCESS == "用户注册成功!请等待单位审核,审核通过后方能登录。"
    with session_scope() as s:
        u = s.get(User, user_id)
        assert (u.role, u.status, u.sex, str(u.birth_date)) == ("person", "pending", "男", "1985-06-15")
        assert u.consent_at is not None and u.phone_masked == "137****1111"
        assert s.scalars(select(AuditLog.action).where(AuditLog.entity_id == str(user_id))).all() == ["registration.submit"]
    with session_scope() as s, pytest.raises(AuthError, match="单位待审"):  # pending: the password is right, the state is named, no session
        auth.login(s, "newuser1", NEW_PASSWORD)


def test_register_needs_verified_phone(place):
    with pytest.raises(ValidationError, match="手机验证已失效"), session_scope() as s:
        registration.register(s, PHONE, "1.forged", form(place["inst"], place["dept"]))
    ticket = verified_ticket()
    with pytest.raises(ValidationError, match="手机验证已失效"), session_scope() as s:  # a ticket for another number
        registration.register(s, "13700002222", ticket, form(place["inst"], place["dept"]))
    with session_scope() as s:
        assert s.scalars(select(User).where(User.role == "person")).first() is None


def test_bound_phone_refused_only_after_its_code(place):
    """获取验证码 answers a bound number like any other (a stranger learns nothing); the refusal
    comes at 下一步, to whoever holds the phone."""
    with session_scope() as s:
        make_person(s, s.get(Institution, place["inst"]))
        taken = s.scalars(select(User).where(User.role == "person")).one()
        phone = crypto.decrypt(taken.phone_enc)
    with session_scope() as s:
        bound = registration.send_register_code(s, phone)
        free = registration.send_register_code(s, "13700009999")
    assert (bound.valid_minutes, bound.demo_code) == (free.valid_minutes, free.demo_code)
    with pytest.raises(ValidationError, match="手机号码：已绑定其他账号"), session_scope() as s:
        registration.verify_register_phone(s, phone, last_code(phone))
    with pytest.raises(ValidationError, match="手机号码：请输入11位大陆手机号码"), session_scope() as s:
        registration.send_register_code(s, "12345678901")


def test_every_field_validated_and_named(place):
    ticket = verified_ticket()
    bad = form(None, None, username="ab", name="", id_number="510104198506150000", email="not-mail",
               password="short", confirm="x", joins_cme=None, standard_basis=None, consent=False)
    with pytest.raises(ValidationError) as err, session_scope() as s:
        registration.register(s, PHONE, ticket, bad)
    assert set(err.value.errors) == {"机构单位", "用户名", "真实姓名", "身份证号", "电子邮箱", "密码", "参加继教",
                                     "学分达标遵照", "个人信息处理"}
    with pytest.raises(ValidationError) as err, session_scope() as s:
        registration.register(s, PHONE, ticket, form(place["inst"], None, confirm="Other1234x", name="名" * 51))
    assert err.value.errors == {"科室": "请选择科室", "真实姓名": "不能超过50个字符", "确认密码": "两次输入的密码不一致"}
    with pytest.raises(ValidationError, match="科室：不属于所选机构"), session_scope() as s:
        other_dept = s.scalars(select(Department.id).where(Department.institution_id == place["other_inst"])).first()
        registration.register(s, PHONE, ticket, form(place["inst"], other_dept))
    with pytest.raises(ValidationError, match="密码：不能包含用户名"), session_scope() as s:
        registration.register(s, PHONE, ticket, form(place["inst"], place["dept"], password="newuser1abc", confirm="newuser1abc"))
    with session_scope() as s:  # nothing saved, and the ticket is still good
        assert s.scalars(select(User).where(User.role == "person")).first() is None
        assert registration.register(s, PHONE, ticket, form(place["inst"], place["dept"]))


def test_fullwidth_folded_and_markup_stored_literally(place):
    fullwidth_id = valid_id_number(902).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    user_id = do_register(place, phone="13700003333", name="<script>alert(1)</script>'; DROP TABLE users;--",
                          id_number=fullwidth_id, username="ｕｓｅｒ＿２")
    with session_scope() as s:
        u = s.get(User, user_id)
        assert u.username == "user_2"
        assert u.name == "<script>alert(1)</script>'; DROP TABLE users;--"
        assert u.id_number_masked == valid_id_number(902)[:6] + "********" + valid_id_number(902)[-4:]
        assert s.scalars(select(User.id)).all()  # the users table is still there


def test_duplicates_refused(place):
    do_register(place)
    ticket = verified_ticket("13700004444")
    with pytest.raises(ValidationError) as err, session_scope() as s:
        registration.register(s, "13700004444", ticket, form(place["inst"], place["dept"]))
    assert set(err.value.errors) == {"用户名", "身份证号"}


def test_status_query_and_mismatch(place):
    do_register(place)
    with session_scope() as s:
        st = registration.query_status(s, "newuser1", valid_id_number(901))
    assert (st.status_label, st.can_edit) == ("单位待审", True) and st.institution.startswith("测试医院")
    with pytest.raises(DomainError, match="^用户名和身份证号码不匹配$"), session_scope() as s:
        registration.query_status(s, "newuser1", valid_id_number(903))
    with pytest.raises(DomainError, match="^用户名和身份证号码不匹配$"), session_scope() as s:
        registration.query_status(s, "nobody99", valid_id_number(901))


def test_status_query_throttled(place):
    do_register(place)
    for _ in range(10):
        with pytest.raises(DomainError, match="不匹配"), session_scope() as s:
            registration.query_status(s, "newuser1", valid_id_number(904 + _))
    with pytest.raises(Throttled, match="查询过于频繁"), session_scope() as s:  # even the right pair is refused for an hour
        registration.query_status(s, "newuser1", valid_id_number(901))


def edit(place, **over) -> registration.RegistrationEdit:
    values = dict(institution_id=place["inst"], department_id=place["dept"], username="newuser1", name="张三丰",
                  id_number=valid_id_number(901), email="zsf@example.com", phone="", phone_ticket=None,
                  current_password=NEW_PASSWORD, password="", confirm="", joins_cme="否")
    values.update(over)
    return registration.RegistrationEdit(**values)


def test_reject_edit_resubmit_approve_login(place):
    user_id = do_register(place)
    with session_scope() as s:
        registration_review.reject_registration(s, place["admin"], user_id, "科室填写错误")
    with session_scope() as s:
        st = registration.query_status(s, "newuser1", valid_id_number(901))
    assert (st.status_label, st.reject_reason, st.can_edit) == ("单位审核不过", "科室填写错误", True)
    with pytest.raises(ValidationError, match="原密码：不正确"), session_scope() as s:
        registration.resubmit_registration(s, "newuser1", valid_id_number(901), edit(place, current_password="Wrong1234x"))
    new_phone = "13700005555"
    with pytest.raises(ValidationError, match="手机验证已失效"), session_scope() as s:  # a new number needs its SMS code
        registration.resubmit_registration(s, "newuser1", valid_id_number(901), edit(place, phone=new_phone))
    ticket = verified_ticket(new_phone, "change_phone")
    with session_scope() as s:
        registration.resubmit_registration(s, "newuser1", valid_id_number(901),
                                  edit(place, phone=new_phone, phone_ticket=ticket, password="Changed2026x", confirm="Changed2026x"))
    with session_scope() as s:
        u = s.get(User, user_id)
        assert (u.status, u.reject_reason, u.name, u.phone_masked, u.joins_cme) == ("pending", None, "张三丰", "137****5555", False)
        assert [r.user_id for r in registration_review.list_registrations(s, place["admin"])] == [user_id]
    with session_scope() as s:
        registration_review.approve_registration(s, place["admin"], user_id)
    with session_scope() as s:
        assert registration.query_status(s, "newuser1", valid_id_number(901)).status_label == "单位审核通过"
        result = auth.login(s, new_phone, "Changed2026x")
        assert result.user_id == user_id and not result.profile_completed
    with pytest.raises(RecordLocked, match="不能再修改"), session_scope() as s:
        registration.resubmit_registration(s, "newuser1", valid_id_number(901), edit(place, current_password="Changed2026x"))
    with session_scope() as s:
        actions = s.scalars(select(AuditLog.action).where(AuditLog.entity_id == str(user_id)).order_by(AuditLog.id)).all()
    changes = [a for a in actions if a not in ("registration.query_status", "login.succeed", "login.fail")]
    assert changes == ["registration.submit", "registration.reject", "registration.resubmit", "registration.approve"]
    assert "registration.query_status" in actions and "login.succeed" in actions  # the queries and login too


def test_reject_needs_reason_and_decided_once(place):
    user_id = do_register(place)
    with pytest.raises(ValidationError, match="不通过原因：审核不通过时必须填写原因"), session_scope() as s:
        registration_review.reject_registration(s, place["admin"], user_id, "  ")
    with session_scope() as s:
        registration_review.approve_registration(s, place["admin"], user_id)
    with pytest.raises(RecordLocked, match="该记录已被其他管理员处理"), session_scope() as s:
        registration_review.reject_registration(s, place["admin"], user_id, "晚了")


def test_other_institution_admin_refused(place):
    user_id = do_register(place)
    other = place["other_admin"]
    with session_scope() as s:
        assert registration_review.list_registrations(s, other) == []
        assert [r.user_id for r in registration_review.list_registrations(s, place["province"])] == [user_id]
        assert registration_review.get_registration(s, place["admin"], user_id).waiting.endswith("分钟")
        found = registration_review.get_registration(s, place["admin"], user_id)
        for keyword in (found.username[-4:], found.name):  # 查找 by 用户名 or 真实姓名
            assert [r.user_id for r in registration_review.list_registrations(s, place["admin"], keyword=keyword)] == [user_id]
        assert registration_review.list_registrations(s, place["admin"], keyword="%") == []  # a wildcard is a character
        assert registration_review.list_registrations(s, other, keyword=found.username) == []  # still own institution
    for call in (lambda s: registration_review.get_registration(s, other, user_id),
                 lambda s: registration_review.approve_registration(s, other, user_id),
                 lambda s: registration_review.reject_registration(s, other, user_id, "不是本单位"),
                 lambda s: registration_review.approve_registrations(s, other, [user_id])):
        with pytest.raises(NotPermitted), session_scope() as s:
            call(s)
    with session_scope() as s:
        person = make_person(s, s.get(Institution, place["inst"]))
        with pytest.raises(NotPermitted):
            registration_review.list_registrations(s, person)
        assert s.get(User, user_id).status == "pending"


def test_batch_approve_all_or_nothing(place):
    a = do_register(place)
    b = do_register(place, phone="13700006666", username="newuser2", id_number=valid_id_number(905))
    with session_scope() as s:
        other_dept = s.scalars(select(Department.id).where(Department.institution_id == place["other_inst"])).first()
    c = do_register(dict(place, inst=place["other_inst"], dept=other_dept), phone="13700007777",
                    username="newuser3", id_number=valid_id_number(906))
    with pytest.raises(ValidationError, match="请至少选择"), session_scope() as s:
        registration_review.approve_registrations(s, place["admin"], [])
    with pytest.raises(NotPermitted), session_scope() as s:  # one foreign registration refuses the whole batch
        registration_review.approve_registrations(s, place["admin"], [a, c])
    with session_scope() as s:
        assert s.get(User, a).status == "pending"
    with session_scope() as s:
        assert registration_review.approve_registrations(s, place["admin"], [a, b]) == 2
    with session_scope() as s:
        assert [s.get(User, x).status for x in (a, b, c)] == ["approved", "approved", "pending"]


def test_step_two_answers_are_throttled_per_phone_and_client(place):
    """Whether a username or ID number is taken is told only to a verified phone, and at most
    REGISTER_TRIES times an hour per phone and per client address."""
    do_register(place)  # newuser1 with valid_id_number(901) exists
    ticket = verified_ticket("13700005555")
    for _ in range(registration.REGISTER_TRIES):
        with pytest.raises(ValidationError, match="用户名：|身份证号："), session_scope() as s:
            registration.register(s, "13700005555", ticket, form(place["inst"], place["dept"]), client="198.51.100.9")
    with pytest.raises(Throttled), session_scope() as s:
        registration.register(s, "13700005555", ticket, form(place["inst"], place["dept"]), client="198.51.100.9")
    other = verified_ticket("13700006666")  # another phone, same client: still throttled
    with pytest.raises(Throttled), session_scope() as s:
        registration.register(s, "13700006666", other, form(place["inst"], place["dept"]), client="198.51.100.9")
    with pytest.raises(ValidationError, match="手机验证已失效"), session_scope() as s:
        registration.register(s, "13700007777", "1.forged", form(place["inst"], place["dept"]), client="198.51.100.10")
