"""Certificate issuance: what a DLA approver's approval costs per certificate, and the PDF alone.

Issuance = ``certification.services.decide`` on a recommended assessment (the decision row, the
serial and reference numbers, the signed payload, the certificate row, four audit events, the
notifications and the KPI summary), then the certificate's PDF rendered from the stored payload
(``render_certificate_pdf``: shaped Thai, the QR code, the embedded signed payload) and the commit,
one certificate after another in one process. The PDF alone is ``pdf.build_certificate_pdf`` for a
fresh signed payload (a different serial, name and address each time, so nothing is served from a
cache of a previous one). The floor is a one-page ReportLab PDF with one line of text, measured in
the same run.

Target (issue #10): >= 40 certificates/s on one core. Rates are 1000 / the median time of one
certificate; the p95 column is the rate at the p95 time (the slow end). Each figure is given
twice: from wall time, and from this process's CPU time, which is what one core of its own
would do (the machine these run on is shared, so wall time includes waiting for a core).

Run: .venv/bin/python benchmarks/certificates.py [--quick] [--profile] [DATABASE_URL ...]
Without a URL a temporary SQLite file is used. A PostgreSQL URL must name a database whose name
contains "bench" or "test": its public schema is dropped and rebuilt.
"""
from __future__ import annotations

import io
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.harness import (Context, Result, median, p95, rebuild_database,  # noqa: E402
                                standalone_context, table)
from benchmarks.registry_csv import server_cpu_ms  # noqa: E402

TARGET = 40.0
TARGET_TEXT = ">= 40 /s"
LONG_NAME = ("องค์การบริหารส่วนตำบลหนองปลาไหลพัฒนาสามัคคีเจริญรุ่งเรือง"
             "ศรีสวัสดิ์มงคลชัยพัฒนาประชารัฐร่วมใจ")


def _rate(samples_ms: list[float]) -> tuple[float, float]:
    return 1000 / median(samples_ms), 1000 / p95(samples_ms)


def floor_pdf(index: int) -> bytes:
    """The floor: one A4 landscape page with one line of text (Helvetica, compressed)."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.pdfgen.canvas import Canvas
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=landscape(A4), invariant=1, pageCompression=1)
    canvas.drawString(72, 300, f"Certificate no. GGL-2569-{index:06d}")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _facts(index: int) -> dict:
    return {
        "format": "lgo-assess-certificate/1", "serial": f"GGL-2569-{index:06d}",
        "lgo_code": f"65{index:05d}", "lgo_name_th": LONG_NAME[:22 + index % 40],
        "lgo_name_en": f"Nong Pla Lai {index} Subdistrict Administrative Organization",
        "location_th": "อำเภอบางละมุง จังหวัดชลบุรี",
        "location_en": "Bang Lamung District, Chon Buri Province", "standard_code": "GGL",
        "standard_name_th": "มาตรฐานองค์กรปกครองส่วนท้องถิ่นธรรมาภิบาล",
        "standard_name_en": "Good-Governance Locality Standard", "edition": "2569",
        "fiscal_year": 2569, "level_code": "excellent", "level_th": "ดีเด่น",
        "level_en": "Excellent", "issued_on": "2026-07-15", "valid_until": "2029-07-15",
        "decision_ref": f"DLA-2569-{index:06d}", "supersedes": None,
        "verify_token": f"opk64ch5xputv4bo2fbrw{index:05d}",
    }


def measure_pdf(ctx: Context) -> list[Result]:
    """The certificate PDF alone (no database) against the one-line floor."""
    from lgo_assess.certification import pdf
    from lgo_assess.certification.signing import KeyDirectory

    keys = KeyDirectory(Path(tempfile.mkdtemp(dir=ctx.scratch, prefix="keys-")))
    keys.generate()
    signer = keys.signer()
    rounds = 30 if ctx.quick else 300
    counter = iter(range(10 ** 9))

    def certificate():
        index = next(counter)
        signed = signer.sign(_facts(index))
        return pdf.build_certificate_pdf(
            signed, verify_url=f"https://lgo-assess.example.go.th/v/{signed.facts['verify_token']}")

    certificate()                       # fonts, dictionary: paid once per process
    floor_samples, floor_cpu = _sample(lambda: floor_pdf(next(counter)), rounds)
    samples, cpu = _sample(certificate, rounds)
    floor_rate, cpu_floor_rate = _rate(floor_samples)[0], _rate(floor_cpu)[0]
    rate, slow = _rate(samples)
    cpu_rate, cpu_slow = _rate(cpu)
    size = f"{len(certificate()) // 1024} KiB"
    return [
        Result("PDF floor: one line of text", "-", "/s", floor_rate, _rate(floor_samples)[1]),
        Result("certificate PDF render (sign + build)", "-", "/s", rate, slow, floor=floor_rate,
               floor_label="one-line PDF", target=TARGET_TEXT, met=rate >= TARGET,
               note=f"({size}; wall)"),
        Result("certificate PDF render (sign + build)", "-", "/s", cpu_rate, cpu_slow,
               floor=cpu_floor_rate, floor_label="one-line PDF, CPU", target=TARGET_TEXT,
               met=cpu_rate >= TARGET, note="(CPU time of this process)"),
    ]


def _sample(call, rounds: int, warmup: int = 3) -> tuple[list[float], list[float]]:
    """Wall and CPU milliseconds of each of ``rounds`` calls after ``warmup`` unmeasured."""
    for _ in range(warmup):
        call()
    walls, cpus = [], []
    for _ in range(rounds):
        started, cpu_started = time.perf_counter(), time.process_time()
        call()
        walls.append((time.perf_counter() - started) * 1000)
        cpus.append((time.process_time() - cpu_started) * 1000)
    return walls, cpus


def _prepare(database_url: str, scratch: Path, count: int):
    """An app on a fresh database with ``count`` recommended assessments (TST 2569 edition),
    an approver and a signing key."""

    from lgo_assess import create_app
    from lgo_assess.core.db import db
    from tests.conftest import make_test_config

    instance = Path(tempfile.mkdtemp(dir=scratch, prefix="certificates-"))
    config = make_test_config(instance, database_url)
    config["TESTING"] = False
    app = create_app(config)
    with app.app_context():
        rebuild_database()
    with app.test_request_context():
        from tests.factories import make_district, make_lgo
        from tests.factories_certification import (ensure_signing_key, make_approver,
                                                   make_recommended_assessment, tst_cycle)
        ensure_signing_key()
        cycle = tst_cycle()
        district = make_district()
        approver = make_approver()
        ids = []
        for index in range(count):
            lgo = make_lgo(district=district, name_th=LONG_NAME[:22 + index % 40])
            ids.append(make_recommended_assessment(lgo, cycle).id)
        db.session.commit()
        approver_id = approver.id
    return app, ids, approver_id


def measure_issuance(ctx: Context, database: str, url: str, profile: bool = False
                     ) -> list[Result]:
    from lgo_assess.assessments.models import Assessment
    from lgo_assess.accounts.models import User
    from lgo_assess.certification import services
    from lgo_assess.certification.models import DecisionOutcome
    from lgo_assess.core.db import db
    from tests.factories_certification import ISSUED_ON

    rounds = 30 if ctx.quick else 300
    warmup = 5
    app, ids, approver_id = _prepare(url, ctx.scratch, rounds + warmup)
    samples, cpu = [], []
    with app.test_request_context():
        approver = db.session.get(User, approver_id)

        def issue(assessment_id: int) -> bytes:
            assessment = db.session.get(Assessment, assessment_id)
            decision = services.decide(assessment, DecisionOutcome.APPROVED, actor=approver,
                                       today=ISSUED_ON)
            data = services.render_certificate_pdf(decision.current_certificate)
            db.session.commit()
            return data

        for assessment_id in ids[:warmup]:
            issue(assessment_id)
        if profile:
            import cProfile
            import pstats
            profiler = cProfile.Profile()
            profiler.enable()
            for assessment_id in ids[warmup:warmup + 20]:
                issue(assessment_id)
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumtime").print_stats(45)
            ids = ids[:warmup] + ids[warmup + 20:]
        for assessment_id in ids[warmup:]:
            server = server_cpu_ms(db.session)
            started, cpu_started = time.perf_counter(), time.process_time()
            assert issue(assessment_id).startswith(b"%PDF")
            samples.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - cpu_started) * 1000)
            if server is not None:      # the same pooled connection: one at a time here
                cpu[-1] += server_cpu_ms(db.session) - server
            db.session.commit()
        db.session.remove()
        db.engine.dispose()
    rate, slow = _rate(samples)
    cpu_rate, cpu_slow = _rate(cpu)
    floor = ctx.cache.get("certificates.floor")
    label = "certificate issuance (decide + row + signature + PDF + commit)"
    return [Result(label, database, "/s", rate, slow, floor=floor,
                   floor_label="one-line PDF" if floor else "", target=TARGET_TEXT,
                   met=rate >= TARGET, note="(wall)"),
            Result(label, database, "/s", cpu_rate, cpu_slow, target=TARGET_TEXT,
                   met=cpu_rate >= TARGET,
                   note="(CPU time of this process" +
                   (" + its PostgreSQL backend)" if database == "postgresql" else ")"))]


def measure(ctx: Context) -> list[Result]:
    results = measure_pdf(ctx)
    ctx.cache["certificates.floor"] = results[0].median
    for database, url in ctx.databases.items():
        results += measure_issuance(ctx, database, url)
    return results


def main(argv: list[str]) -> None:
    profile = "--profile" in argv
    ctx = standalone_context(argv, "certificates-bench-")
    if profile:
        for database, url in ctx.databases.items():
            measure_issuance(ctx, database, url, profile=True)
        return
    print(table(measure(ctx)))


if __name__ == "__main__":
    main(sys.argv[1:])
