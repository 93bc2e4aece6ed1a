#!/usr/bin/env python3
"""Render sample certificates (combined, class1, class2) and a resume to ``docs/samples``.

Writes the first page of each as ``<name>.png`` (``pdftoppm -r 60``) for certificate_combined,
certificate_class1, certificate_class2 and resume; the PDFs go to a temporary directory unless
``--pdf-dir`` is given. Needs poppler-utils (``pdftoppm``).

    python scripts/render_samples.py [--out docs/samples] [--dpi 60] [--pdf-dir DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cme.certificates.pdf import CertificateContent, CertificateLine, CertificateYear, render_certificate  # noqa: E402
from cme.profile.resume_pdf import ResumeContent, ResumeSection, render_resume  # noqa: E402

NATIONAL, PROVINCIAL, CLASS2 = "国家级I类", "省级I类", "II类"

# (code, name, credits, type, from, to) - 2017 as in manual fig. 27, plus Class II activities
_LINES = {
    2015: [],
    2016: [
        ("16-02-03010112", "基层医院合理用药与药学服务能力提升培训班", "4.0", PROVINCIAL,
         date(2016, 5, 12), date(2016, 5, 14)),
        ("2016-II-0431", "科室业务学习：院内感染防控规范解读", "1.0", CLASS2,
         date(2016, 9, 7), date(2016, 9, 7)),
    ],
    2017: [
        ("201745123", "国家级项目", "2.0", NATIONAL, date(2017, 10, 17), date(2017, 10, 17)),
        ("17-01-09040386", "肝脏超声造影专题学习班", "2.0", PROVINCIAL,
         date(2017, 4, 22), date(2017, 4, 22)),
        ("17-01-09020369", "腹部急症及消化系统疾病超声诊断学习班", "3.0", PROVINCIAL,
         date(2017, 7, 21), date(2017, 7, 23)),
        ("17-01-04050370", "肾上腺外科疾病的多学科联合诊治学习班", "3.0", PROVINCIAL,
         date(2017, 6, 23), date(2017, 6, 25)),
        ("2017-II-1208", "四川省远程继续医学教育：超声医学新进展与规范化操作系列讲座（第三期）",
         "5.0", CLASS2, date(2017, 3, 1), date(2017, 11, 30)),
        ("2017-II-0077", "自学：《中华超声影像学杂志》文献阅读", "2.5", CLASS2,
         date(2017, 1, 1), date(2017, 12, 31)),
    ],
}

_CLASS1 = {NATIONAL, PROVINCIAL}


def sample_certificate(kind: str) -> CertificateContent:
    keep = {"combined": _CLASS1 | {CLASS2}, "class1": _CLASS1, "class2": {CLASS2}}[kind]
    years = []
    for year, raw in _LINES.items():
        lines = [
            CertificateLine(code, name, Decimal(cr), ctype, d1, d2)
            for code, name, cr, ctype, d1, d2 in raw
            if ctype in keep
        ]

        def total(t: str, lines: list[CertificateLine] = lines) -> Decimal:
            return sum((ln.credits for ln in lines if ln.credit_type == t), Decimal("0"))

        years.append(CertificateYear(year, lines, total(NATIONAL), total(PROVINCIAL), total(CLASS2)))
    return CertificateContent(
        kind=kind,
        institution="四川省卫生和计划生育委员会",
        title="主治医师",
        name="瞿星宇",
        year_from=2015,
        year_to=2017,
        years=years,
        issued_on=date(2017, 10, 27),
    )


def sample_resume() -> ResumeContent:
    basic = [
        ("姓名", "瞿星宇"), ("性别", "女"), ("出生日期", "1985-03-14"),
        ("民族", "汉族"), ("婚姻状况", "已婚"), ("籍贯", "四川省成都市"),
        ("工作性质", "在编"), ("政治面貌", "中共党员"),
        ("参加工作时间", "2008-07-01"), ("工作单位", "四川大学华西医院"),
        ("证件类型", "居民身份证"), ("证件号码", "510104********1234"),
        ("通讯地址", "四川省成都市武侯区国学巷37号四川大学华西医院超声医学科"),
        ("所属市州", "成都市"), ("出生地", "四川省乐山市"),
        ("家庭住址", "四川省成都市武侯区人民南路三段17号"),
        ("邮政编码", "610041"), ("联系电话", "138****5678"), ("电子邮箱", "qu.xingyu@example.cn"),
        ("行政职务", "无"), ("技术职称", "主治医师"),
        ("最高学历", "研究生"), ("最高学位", "硕士"),
        ("外语语种", "英语"), ("外语等级", "CET-6"),
        ("所学专业", "临床医学 › 影像医学与核医学"),
        ("执业科目", "医学影像和放射治疗专业"), ("毕业学校", "四川大学"),
        ("毕业时间", "2008-06-30"), ("是否执业医师", "是"), ("执业医师证号", "110510100012345"),
    ]
    sections = [
        ResumeSection("教育经历", ["起止时间", "学校", "专业", "学历", "学位"], [
            ["2003-09 至 2008-06", "四川大学华西临床医学院", "临床医学", "本科", "学士"],
            ["2011-09 至 2014-06", "四川大学华西临床医学院", "影像医学与核医学", "研究生", "硕士"],
        ]),
        ResumeSection("培训经历", ["起止时间", "培训机构", "培训内容", "证书"], [
            ["2015-03 至 2015-09", "北京协和医院", "超声造影进修", "进修结业证书"],
        ]),
        ResumeSection("工作经历", ["起止时间", "工作单位", "科室", "职务/职称"], [
            ["2008-07 至今", "四川大学华西医院", "超声医学科", "主治医师"],
        ]),
        ResumeSection("获奖情况", ["时间", "奖项名称", "授予单位", "等级"], []),
        ResumeSection("论文论著信息", ["时间", "题目", "刊物/出版社", "作者排序"], [
            ["2016-05", "超声造影在肝脏局灶性病变鉴别诊断中的应用价值", "中华超声影像学杂志", "第一作者"],
        ]),
        ResumeSection("调动记录", ["调动时间", "原单位", "新单位", "审核状态"], []),
    ]
    return ResumeContent(basic=basic, sections=sections)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "samples"))
    parser.add_argument("--dpi", type=int, default=60)
    parser.add_argument("--pdf-dir", help="keep the PDFs in this directory")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    pdf_dir = Path(args.pdf_dir) if args.pdf_dir else Path(tempfile.mkdtemp(prefix="cme-samples-"))
    pdf_dir.mkdir(parents=True, exist_ok=True)

    docs: dict[str, bytes] = {}
    for kind in ("combined", "class1", "class2"):
        content = sample_certificate(kind)
        serial = "SC2017-" + {"combined": "Z", "class1": "A", "class2": "B"}[kind] + "-000123"
        digest = hashlib.sha256(repr(content).encode("utf-8")).hexdigest()
        t0 = time.perf_counter()
        docs[f"certificate_{kind}"] = render_certificate(
            content, serial=serial, content_hash=digest,
            verify_url=f"https://cme.example.sc.gov.cn/verify?serial={serial}",
        )
        print(f"certificate_{kind}: {time.perf_counter() - t0:.3f} s")
    t0 = time.perf_counter()
    docs["resume"] = render_resume(sample_resume())
    print(f"resume: {time.perf_counter() - t0:.3f} s")

    pdftoppm = shutil.which("pdftoppm")
    if not pdftoppm:
        print("pdftoppm not found (apt-get install poppler-utils)", file=sys.stderr)
        return 1
    for name, data in docs.items():
        pdf_path = pdf_dir / f"{name}.pdf"
        pdf_path.write_bytes(data)
        subprocess.run(
            [pdftoppm, "-r", str(args.dpi), "-png", "-f", "1", "-l", "1", "-singlefile",
             str(pdf_path), str(out / name)],
            check=True,
        )
        print(f"wrote {out / name}.png  (pdf: {pdf_path})")
    if not args.pdf_dir:
        shutil.rmtree(pdf_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
