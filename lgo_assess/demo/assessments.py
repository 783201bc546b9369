"""Demo cycles and assessments: a cycle for each shipped standard, open today, with one LGO
half-way through its self-assessment and another that has submitted, so a newcomer sees the
workspace and a submission (and the province officer's notification) at once.

Which fiscal year: the shipped editions serve FY 2569 (1 Oct 2025 – 30 Sep 2026), the year
whose work LGOs assess once it is over, so each cycle is for the latest fiscal year its edition
serves up to the current one. Its dates are set from the day the demo is loaded (opened 30 days
ago, self-assessment due in 60 days, review in 120, decision in 150), so the cycle is open
whenever someone loads the demo; a cycle already there is left as it is.

- Chiang Mai City (3500101, demo accounts editor.cm-city and executive.cm-city) has answered
  about half of the Good-Governance criteria, with narratives;
- Ban Kho SAO (6400101, editor.bankho and executive.bankho) has answered all of them, cited
  the required evidence (a few sample files and links from its library) and submitted:
  officer.khonkaen has it to screen;
- Su Thep Subdistrict Municipality (5500101, editor.suthep and executive.suthep) has started
  nothing, in any cycle, so each standard can be tried from the start to the submission.

Everything goes through the services (which write the audit log and the notifications). A
second run finds the cycles and the assessments and changes nothing.
"""
from __future__ import annotations

import io
import struct
import zlib
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from lgo_assess.accounts.models import User
from lgo_assess.assessments import services
from lgo_assess.assessments.models import Assessment, Cycle
from lgo_assess.core.db import db
from lgo_assess.core.errors import DomainError
from lgo_assess.core.thaidate import fiscal_year, today_bangkok
from lgo_assess.criteria.edition import (ScoringChecklist, ScoringLevel, ScoringNumeric,
                                         ScoringYesNo)
from lgo_assess.criteria.models import EditionStatus, Standard, StandardEdition
from lgo_assess.demo import DEMO_EMAIL_DOMAIN
from lgo_assess.registry.models import Lgo

OPENED_DAYS_AGO = 30
SELF_ASSESSMENT_DAYS = 60
REVIEW_DAYS = 120
DECISION_DAYS = 150
DEMO_STANDARD = "GGL"          # the standard the two demo assessments are in


@dataclass(frozen=True)
class DemoAssessment:
    lgo: str                   # DLA code
    editor: str                # demo e-mail names (before @)
    executive: str
    share: float               # share of the applicable criteria answered
    submit: bool


ASSESSMENTS = (
    DemoAssessment("3500101", "editor.cm-city", "executive.cm-city", 0.5, submit=False),
    DemoAssessment("6400101", "editor.bankho", "executive.bankho", 1.0, submit=True),
)

NARRATIVES = (
    "ดำเนินการตามแผนพัฒนาท้องถิ่นและข้อบัญญัติงบประมาณ มีคำสั่งแต่งตั้งผู้รับผิดชอบ "
    "และรายงานผลต่อผู้บริหารทุกไตรมาส",
    "จัดประชุมประชาคมร่วมกับชุมชนและภาคีเครือข่าย นำข้อเสนอมาปรับปรุงโครงการ "
    "และเผยแพร่ผลการดำเนินงานทางเว็บไซต์และเพจของหน่วยงาน",
    "มีระบบติดตามและประเมินผลโดยคณะกรรมการ พร้อมบันทึกรายงานการประชุมและภาพถ่ายกิจกรรม",
)


def _user(name: str) -> User | None:
    return db.session.execute(select(User).where(
        User.email == f"{name}@{DEMO_EMAIL_DOMAIN}")).scalar_one_or_none()


def _latest_editions() -> list[StandardEdition]:
    """The newest published edition of each standard."""
    rows = db.session.execute(
        select(StandardEdition).join(Standard)
        .where(StandardEdition.status == EditionStatus.PUBLISHED)
        .order_by(Standard.code, StandardEdition.code.desc())).scalars()
    latest: dict[int, StandardEdition] = {}
    for row in rows:
        latest.setdefault(row.standard_id, row)
    return list(latest.values())


def cycle_year(edition: StandardEdition, today: date) -> int:
    """The latest fiscal year the edition serves, up to the current one."""
    years = sorted(edition.fiscal_years)
    served = [fy for fy in years if fy <= fiscal_year(today)]
    return served[-1] if served else years[0]


def _ensure_cycles(today: date, admin) -> tuple[dict[str, Cycle], int]:
    cycles, created = {}, 0
    for edition in _latest_editions():
        fy = cycle_year(edition, today)
        cycle = db.session.execute(select(Cycle).where(
            Cycle.edition_id == edition.id, Cycle.fiscal_year == fy)).scalar_one_or_none()
        if cycle is None:
            cycle = services.open_cycle(
                edition, fy, opens_on=today - timedelta(days=OPENED_DAYS_AGO),
                self_assessment_due=today + timedelta(days=SELF_ASSESSMENT_DAYS),
                review_due=today + timedelta(days=REVIEW_DAYS),
                decision_due=today + timedelta(days=DECISION_DAYS), actor=admin)
            created += 1
        cycles[edition.standard.code] = cycle
    return cycles, created


def answer_for(effective, index: int) -> dict:
    """A plausible answer of a diligent LGO: mostly the best, now and then one step below."""
    scoring, modest = effective.scoring, index % 4 == 3
    if isinstance(scoring, ScoringLevel):
        values = scoring.scale.values
        return {"level": values[-2] if modest and len(values) > 1 else values[-1]}
    if isinstance(scoring, ScoringChecklist):
        codes = [item.code for item in scoring.items]
        return {"checked": codes[:-1] if modest and len(codes) > 1 else codes}
    if isinstance(scoring, ScoringNumeric):
        thresholds = sorted({band.threshold for band in scoring.bands},
                            reverse=scoring.higher_is_better)
        value = thresholds[min(1, len(thresholds) - 1)] if modest else thresholds[0]
        return {"value": float(min(max(value, scoring.min), scoring.max))}
    if isinstance(scoring, ScoringYesNo):
        return {"yes": True}
    raise ValueError(f"no demo answer for {scoring!r}")  # pragma: no cover


def _answer(assessment: Assessment, share: float, editor, today: date) -> int:
    edition = services.edition_of(assessment)
    applicable = [e for e in edition.criteria_for(assessment.lgo_type, assessment.area_tags or ())
                  if e.applicable]
    count = round(len(applicable) * share)
    for index, effective in enumerate(applicable[:count]):
        data = {**answer_for(effective, index),
                "narrative": NARRATIVES[index % len(NARRATIVES)]}
        services.save_response(assessment, effective.code, data, expected_version=None,
                               actor=editor, today=today)
    return count


# Evidence the demo submission needs --------------------------------------------------------------

def _png(seed: int) -> bytes:
    """A small valid PNG, its colour taken from ``seed`` so each file is distinct."""
    width = height = 8
    pixel = bytes(((seed * 37) % 256, (seed * 91) % 256, (seed * 53) % 256))
    raw = b"".join(b"\x00" + pixel * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def _pdf(title: str) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4, invariant=1)
    page.drawString(72, 770, title)
    page.drawString(72, 750, "Demo evidence generated by flask demo load.")
    page.showPage()
    page.save()
    return buffer.getvalue()


SAMPLE_EVIDENCE = {   # kind → title of the sample item (one library item cited everywhere)
    "document": "แผนพัฒนาท้องถิ่นและรายงานผลการดำเนินงาน (ตัวอย่าง)",
    "photo": "ภาพถ่ายกิจกรรม (ตัวอย่าง)",
    "url": "เว็บไซต์ของหน่วยงาน (ตัวอย่าง)",
    "system_record": "ข้อมูลในระบบสารสนเทศของกรม (ตัวอย่าง)",
}


def _cite_required_evidence(assessment: Assessment, executive, today: date) -> None:
    """Cite an item of a fitting kind for each required evidence expectation, as an LGO does
    before submitting. Like an LGO, the demo uploads a document once and cites it wherever it
    serves: the n-th expectation of a kind in a criterion cites the n-th sample of that kind."""
    missing_evidence = getattr(services, "missing_evidence", None)
    if missing_evidence is None:
        return
    from flask import current_app

    from lgo_assess.evidence import services as evidence
    settings = evidence.EvidenceSettings.from_config(current_app.config)
    lgo, fy = assessment.lgo, assessment.cycle.fiscal_year
    samples: dict[tuple[str, int], int] = {}

    def sample(kind: str, n: int) -> int:
        if (kind, n) not in samples:
            title = f"{SAMPLE_EVIDENCE.get(kind, SAMPLE_EVIDENCE['document'])} {n}"
            if kind in ("photo", "document"):
                content, name = ((_png(n), f"photo-{n}.png") if kind == "photo"
                                 else (_pdf(f"{lgo.dla_code} sample document {n}"),
                                       f"document-{n}.pdf"))
                item = evidence.add_files(lgo, fy, [evidence.Upload(io.BytesIO(content), name,
                                                                    title)],
                                          actor=executive, settings=settings)[0].item
            else:
                item = evidence.add_link(
                    lgo, fy, url=f"https://example.org/demo/{lgo.dla_code}/{kind}/{n}",
                    title=title, accessed_on=today, actor=executive)
            samples[kind, n] = item.id
        return samples[kind, n]

    for code, expectations in sorted(missing_evidence(assessment).items()):
        seen: dict[str, int] = {}
        for expectation in expectations:
            seen[expectation.kind] = seen.get(expectation.kind, 0) + 1
            services.link_evidence(assessment, code, sample(expectation.kind,
                                                            seen[expectation.kind]),
                                   actor=executive, today=today)


def load(ctx) -> int:
    today = today_bangkok()
    cycles, created = _ensure_cycles(today, _user("admin"))
    cycle = cycles.get(DEMO_STANDARD) or next(iter(cycles.values()), None)
    if cycle is None:
        return created
    for demo in ASSESSMENTS:
        lgo = db.session.execute(select(Lgo).where(Lgo.dla_code == demo.lgo)).scalar_one_or_none()
        editor, executive = _user(demo.editor), _user(demo.executive)
        if lgo is None or editor is None or executive is None:
            continue
        if db.session.execute(select(Assessment.id).where(
                Assessment.cycle_id == cycle.id, Assessment.lgo_id == lgo.id)).first():
            continue          # already there: a second run changes nothing
        try:
            with db.session.begin_nested():
                assessment = services.start_assessment(cycle, lgo, actor=editor, today=today)
                created += 1 + _answer(assessment, demo.share, editor, today)
                if demo.submit:
                    _cite_required_evidence(assessment, executive, today)
                    services.submit(assessment, actor=executive, today=today)
                    created += 1
        except DomainError as error:
            ctx.echo(f"demo assessments: {demo.lgo} in {cycle.edition.label}: {error.message}")
    return created
