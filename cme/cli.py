"""`python -m cme …` — operations from the command line."""
from __future__ import annotations

import argparse
import sys

from sqlalchemy import select

from cme.db import session_scope
from cme.domain.enums import AccountStatus, CertificateKind, Role
from cme.errors import DomainError


def cmd_init_db(_args) -> None:
    from cme.ops.setup import init_db

    added = init_db()
    print("数据库已就绪；新增参考数据：" + "，".join(f"{k} {v}" for k, v in added.items()))


def cmd_check(args) -> None:
    from cme.ops.check import check

    with session_scope() as s:
        report = check(s, repair=args.repair)
    print("\n".join(report.lines()))
    if not report.clean:
        print("检查发现不一致" + ("（学分汇总已重算，请再次运行 check 确认）" if args.repair else "；可用 --repair 重算学分汇总"),
              file=sys.stderr)
        sys.exit(1)
    print("检查通过：数据一致")


def cmd_seed_demo(_args) -> None:
    from cme.ops.demo import DEMO_PASSWORD, seed_demo
    from cme.ops.setup import init_db

    init_db()
    with session_scope() as s:
        n = seed_demo(s)
    print(f"已创建演示数据：{n} 名人员（密码 {DEMO_PASSWORD}）" if n else "演示数据已存在，未做改动")


def cmd_list_institutions(_args) -> None:
    from cme.models import Institution

    with session_scope() as s:
        for inst in s.scalars(select(Institution).order_by(Institution.code)):
            print(f"{inst.code}\t{inst.name}\t{inst.region_level}")


def read_secret(label: str, *, confirm: bool = False) -> str:
    """A password or ID number, never an argument (visible in `ps` and shell history): asked without
    echo at a terminal, else read as one line of standard input (scripts: `printf '%s\n' …| …`)."""
    if sys.stdin.isatty():
        import getpass

        value = getpass.getpass(f"{label}：")
        if confirm and getpass.getpass(f"再次输入{label}：") != value:
            raise SystemExit(f"错误：两次输入的{label}不一致")
        return value
    line = sys.stdin.readline()
    if not line:
        raise SystemExit(f"错误：请在标准输入中提供{label}")
    return line.rstrip("\r\n")


def cmd_create_admin(args) -> None:
    from cme.accounts.users import create_admin

    password = read_secret("密码", confirm=True)
    with session_scope() as s:
        user = create_admin(s, username=args.username, password=password, name=args.name, role=args.role,
                            institution_code=args.institution)
        print(f"已创建管理员 {user.username}（{args.role}）")


def cmd_create_user(args) -> None:
    from cme.accounts.users import create_person

    password = read_secret("密码", confirm=True)
    id_number = read_secret("身份证号")
    with session_scope() as s:
        user = create_person(s, username=args.username, password=password, name=args.name, id_number=id_number,
                             phone=args.phone, institution_code=args.institution, department=args.department)
        print(f"已创建个人用户 {user.username}（{user.id_number_masked}）")


def cmd_set_account_active(args) -> None:
    from cme.accounts.staff_accounts import set_account_active_by_operator

    with session_scope() as s:
        set_account_active_by_operator(s, args.username, args.active)
    print(f"已{'启用' if args.active else '停用'}账号 {args.username}")


def cmd_bench(args) -> None:
    if args.capacity:
        from cme.ops.capacity import main as capacity_main

        capacity_main(args)
        return
    from cme.ops.bench import main as bench_main

    bench_main(args)


def cmd_certificate(args) -> None:
    from pathlib import Path

    from cme.certificates.service import issue_certificate, person_by_username

    with session_scope() as s:
        issued = issue_certificate(s, person_by_username(s, args.username), args.kind, args.year_from, args.year_to)
        Path(args.out).write_bytes(issued.pdf)  # inside the unit of work: no stored certificate without its file
    print(f"已出具学分证明 {issued.serial} → {args.out}\n内容校验码 {issued.content_hash}\n核验地址 {issued.verify_url}")


def _import_actor(session, username: str):
    from cme.core.actors import actor_from_user
    from cme.errors import NotFound
    from cme.models import User

    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None or user.role not in (Role.UNIT, Role.PROVINCE) or user.status != AccountStatus.APPROVED:
        raise NotFound(f"管理员账号 {username} 不存在（须为单位管理员或省级管理员）")
    return actor_from_user(user)


def _print_import_report(report) -> None:
    print(f"{report.filename}：{report.summary()}（用时 {report.seconds:.1f} 秒）")
    for r in report.refused:
        print(f"  第{r.row}行 {r.id_number} {r.project_code}：{r.reason}", file=sys.stderr)


def cmd_import_credits(args) -> None:
    from pathlib import Path

    from cme.credits.imports import import_credits

    path = Path(args.file)
    if not path.is_file():
        raise DomainError(f"文件不存在：{path}")
    def progress(done: int, expected: int) -> None:  # one line, rewritten in place
        print(f"\r已处理 {done} / 约 {expected} 行", end="", file=sys.stderr, flush=True)

    with session_scope() as s:
        report = import_credits(s, _import_actor(s, args.actor), path.name, path.read_bytes(), dry_run=args.check,
                                progress=progress)
    print(file=sys.stderr)
    _print_import_report(report)


def cmd_import_legacy(args) -> None:
    from pathlib import Path

    from cme.accounts.legacy import default_import_actor, import_legacy_users
    from cme.credits.imports import import_credits

    for f in filter(None, (args.users, args.credits)):
        if not Path(f).is_file():
            raise DomainError(f"文件不存在：{f}")
    with session_scope() as s:  # users and their credits together, or nothing
        users = import_legacy_users(s, Path(args.users).read_bytes())
        print(f"{Path(args.users).name}：{users.summary()}")
        for r in users.refused:
            print(f"  第{r.line}行 {r.username}：{r.reason}", file=sys.stderr)
        if args.credits:
            actor = _import_actor(s, args.actor or default_import_actor(s))
            _print_import_report(import_credits(s, actor, Path(args.credits).name, Path(args.credits).read_bytes()))


def cmd_backup(args) -> None:
    from cme.config import get_settings
    from cme.ops.backup import backup

    report = backup(args.url or get_settings().database_url, args.out)
    print(report.summary(args.out))


def cmd_restore(args) -> None:
    from cme.config import get_settings
    from cme.db import reset_engines
    from cme.ops.backup import restore
    from cme.ops.setup import init_db

    report = restore(get_settings().database_url, args.archive, force=args.force)
    reset_engines()  # the database under the engine was replaced
    init_db()  # a backup of an older version: migrated to this version's schema
    print(report.summary() + "；数据库已迁移到当前版本。请运行 python -m cme check 核对，然后启动应用")


def cmd_remind(args) -> None:
    from cme.accounts.users import institution_by_code
    from cme.attendance.reminders import deliver_sms, send_reminders
    from cme.core.actors import OPERATOR

    with session_scope() as s:
        inst = institution_by_code(s, args.institution).id if args.institution else None
        run = send_reminders(s, OPERATOR, args.year, institution_id=inst, sms_too=args.sms)
    delivered = deliver_sms(run)  # after the commit: an SMS cannot be taken back
    print(run.message + (f"；短信网关已接收 {delivered} 条" if args.sms else ""))


def cmd_send_outbox(_args) -> None:
    from cme.accounts.sms import send_pending

    print(send_pending().summary())


def cmd_rotate_key(_args) -> None:
    import os

    from cme.config import get_settings
    from cme.ops.keys import rotate_key

    new = os.environ.get("CME_NEW_SECRET_KEY", "").strip() or read_secret("新密钥", confirm=True).strip()
    with session_scope() as s:  # one transaction: every value re-keyed, or none
        report = rotate_key(s, get_settings().secret_key, new)
    print(report.summary())
    print("请立即把各副本与定时任务的 CME_SECRET_KEY 改为新密钥后再启动；旧密钥从此被拒绝。")


def cmd_purge(_args) -> None:
    from cme.ops.purge import purge_expired

    with session_scope() as s:
        report = purge_expired(s)
    print(report.summary())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m cme", description="四川省继续医学教育行政管理平台 运维命令")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("init-db", help="建库/迁移并载入参考数据（可重复执行）").set_defaults(func=cmd_init_db,
                                                                             checks_key_itself=True)
    p = sub.add_parser("check", help="核对学分汇总、存储文件与审核记录的一致性（有差异时退出码非0）")
    p.add_argument("--repair", action="store_true", help="重算不一致的学分汇总并清理暂存文件")
    p.set_defaults(func=cmd_check)
    sub.add_parser("seed-demo", help="载入演示机构、管理员、人员与学分").set_defaults(func=cmd_seed_demo)
    sub.add_parser("list-institutions", help="列出机构：编码、名称、区域等级").set_defaults(func=cmd_list_institutions)
    p = sub.add_parser("create-admin", help="创建单位管理员或省级管理员（密码在提示符或标准输入中输入）")
    p.add_argument("--username", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--role", required=True, choices=[Role.UNIT.value, Role.PROVINCE.value])
    p.add_argument("--institution", help="机构编码（单位管理员必填）")
    p.set_defaults(func=cmd_create_admin)
    p = sub.add_parser("create-user", help="创建已审核通过的个人用户（密码、身份证号在提示符或标准输入中依次输入）")
    for flag in ("--username", "--name", "--phone", "--institution"):
        p.add_argument(flag, required=True)
    p.add_argument("--department")
    p.set_defaults(func=cmd_create_user)
    for command, active, verb in (("disable-account", False, "停用"), ("enable-account", True, "启用")):
        p = sub.add_parser(command, help=f"{verb}账号（停用即刻结束其全部登录）")
        p.add_argument("--username", required=True)
        p.set_defaults(func=cmd_set_account_active, active=active)
    p = sub.add_parser("bench", help="在合成数据上测量各页面耗时及其下限（pilot: SQLite 2万人；province: PostgreSQL 70万人）")
    p.add_argument("--scale", choices=["pilot", "province"], default="pilot")
    p.add_argument("--staff", type=int, help="人员数（默认 pilot 20000，province 700000）")
    p.add_argument("--url", help="基准数据库 URL：SQLite 文件名须以 cme-bench 开头，PostgreSQL 库名须以 cme_bench 开头（自动创建）")
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--fresh", action="store_true", help="删除并重新生成基准数据")
    p.add_argument("--no-pages", action="store_true", help="不运行 AppTest 整页计时")
    p.add_argument("--import-rows", type=int, help="批量导入计时的行数（pilot 默认 100000，province 默认不测）")
    p.add_argument("--json", help="把结果写成 JSON 文件（页面基准或 --capacity 的结果）")
    p.add_argument("--out", help="把结果表写入该文件")
    p.add_argument("--capacity", action="store_true",
                   help="改为测量每个副本的容量：真实服务器 + 无头 Chromium 会话，每次页面访问的服务器 CPU")
    p.add_argument("--sessions", default="1,10,30", help="--capacity：并发个人会话数，逗号分隔（另加约五分之一的单位管理员会话）")
    p.add_argument("--rounds", type=int, default=3, help="--capacity：每页测量的轮数")
    p.add_argument("--replicas", type=int, default=1, help="--capacity：启动的服务器副本数（会话轮流分配）")
    p.add_argument("--soak-minutes", type=float, default=0, help="--capacity：测量后持续运行该分钟数，记录内存")
    p.add_argument("--server-arg", action="append", help="--capacity：传给 streamlit run 的参数，如 --runner.postScriptGC=false")
    p.add_argument("--env", action="append", help="--capacity：服务器的额外环境变量 KEY=VALUE")
    p.set_defaults(func=cmd_bench, checks_key_itself=True)  # its own database (--url)
    p = sub.add_parser("certificate", help="为个人用户出具学分证明 PDF（仅审核通过的学分）")
    p.add_argument("--username", required=True)
    p.add_argument("--from", dest="year_from", type=int, required=True, help="起始年度")
    p.add_argument("--to", dest="year_to", type=int, required=True, help="终止年度")
    p.add_argument("--kind", required=True, choices=[k.value for k in CertificateKind])
    p.add_argument("--out", required=True, help="PDF 文件路径")
    p.set_defaults(func=cmd_certificate)
    p = sub.add_parser("import-credits", help="批量导入学分（CSV/XLSX，与【批量导入】页面同一规则）")
    p.add_argument("--file", required=True, help="CSV（UTF-8）或 XLSX 文件，表头同导入模板")
    p.add_argument("--actor", required=True, help="执行导入的单位管理员或省级管理员用户名")
    p.add_argument("--check", action="store_true", help="只检查并报告，不保存")
    p.set_defaults(func=cmd_import_credits)
    p = sub.add_parser("import-legacy", help="导入旧平台个人用户（保留用户名与密码哈希）及其学分")
    p.add_argument("--users", required=True, help="用户 CSV：username,password_hash,password_scheme,name,id_number,"
                                                 "phone,institution_code,department（password_scheme: md5/sha1/sha256/bcrypt_raw）")
    p.add_argument("--credits", help="学分 CSV/XLSX，表头同批量导入模板")
    p.add_argument("--actor", help="签署学分导入的管理员用户名（默认第一个省级管理员）")
    p.set_defaults(func=cmd_import_legacy)
    p = sub.add_parser("remind", help="提醒未达标人员：站内提醒（可选短信），每人7天内至多一次（供定时任务调用）")
    p.add_argument("--year", type=int, required=True, help="考核年度")
    p.add_argument("--institution", help="只提醒该机构（机构编码）的人员；默认全省")
    p.add_argument("--sms", action="store_true", help="同时发送短信（计入每个号码的每日短信上限）")
    p.set_defaults(func=cmd_remind)
    p = sub.add_parser("backup", help="备份数据库和全部上传文件到一个归档（SQLite 在线备份；PostgreSQL 调用 pg_dump）")
    p.add_argument("--out", required=True, help="备份文件路径（.tar.gz）")
    p.add_argument("--url", help="要备份的数据库 URL（默认 CME_DATABASE_URL）")
    p.set_defaults(func=cmd_backup)
    sub.add_parser("send-outbox", help="发送短信发件箱中未发出的短信（发送失败或进程中断的），过期的不再发送；宜每分钟定时执行") \
        .set_defaults(func=cmd_send_outbox)
    sub.add_parser("rotate-key", help="更换 CME_SECRET_KEY：在一个事务中用新密钥重新加密身份证号、手机号并重算查询哈希"
                                      "（新密钥取自 CME_NEW_SECRET_KEY 或提示符/标准输入；先停止各副本）") \
        .set_defaults(func=cmd_rotate_key, checks_key_itself=True)
    p = sub.add_parser("restore", help="从 backup 的归档恢复数据库（CME_DATABASE_URL）和上传文件（CME_STORAGE_URL）；先停止应用")
    p.add_argument("archive", help="python -m cme backup 生成的备份文件")
    p.add_argument("--force", action="store_true", help="目标已有账号或文件时仍然覆盖（备份中没有的文件将被删除）")
    p.set_defaults(func=cmd_restore)
    sub.add_parser("purge", help="清理过期的登录会话、短信验证码、查询限流记录和180天前的登录记录（审计日志保留）；宜每日定时执行") \
        .set_defaults(func=cmd_purge)
    return parser


def main(argv: list[str] | None = None) -> int:
    from cme.config import ConfigError
    from cme.logs import configure_logging

    configure_logging()
    args = build_parser().parse_args(argv)
    try:
        if not getattr(args, "checks_key_itself", False):
            from cme.ops.keys import require_matching_key

            require_matching_key()  # a changed CME_SECRET_KEY stops here, not as "未注册" half way
        args.func(args)
    except (DomainError, ConfigError) as e:
        print(f"错误：{e}", file=sys.stderr)
        return 2
    return 0
