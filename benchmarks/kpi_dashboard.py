"""How fast the KPI pages answer at national scale: the synthetic registry (7,850 LGOs, ten plan
years), the plan's KPI catalogue, and a certified-LGO summary for about half the LGOs per
standard and year; then the national dashboard (every computed KPI for one fiscal year, by region
of both schemes and LGO type, trend), a drill-down page and the full rebuild of the summary.

Run: .venv/bin/python benchmarks/kpi_dashboard.py [DATABASE_URL]

Without an argument a temporary SQLite file is used. A PostgreSQL URL must name a database whose
name contains "bench" or "test": its public schema is dropped and rebuilt. The summary's
numerator rows are written straight into the table for speed (with foreign keys off for that
statement only: they all point at one certificate); the pages read nothing else for their
figures. Target: national dashboard p95 <= 150 ms. Wall time depends on what else the machine runs; the
CPU time of this process much less (on SQLite it is nearly all the work; on PostgreSQL the
server's share is not in it).
"""
from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main(database_url: str | None = None, rounds: int = 30) -> None:
    import flask_migrate
    from sqlalchemy import insert, select, text

    from lgo_assess import create_app
    from lgo_assess.config import _database_url
    from lgo_assess.core.db import db
    from lgo_assess.kpi import engine, services, summary
    from lgo_assess.kpi.models import KpiLgoStandardYear, KpiLgoYear
    from lgo_assess.registry import services as registry
    from tests.conftest import GEOGRAPHY_DIR, make_test_config

    scratch = Path(tempfile.mkdtemp(prefix="kpi-bench-"))
    url = _database_url(database_url, scratch) if database_url else \
        f"sqlite:///{scratch / 'bench.sqlite3'}"
    config = make_test_config(scratch, url)
    config["TESTING"] = False
    app = create_app(config)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            name = db.engine.url.database or ""
            if "bench" not in name and "test" not in name:
                raise SystemExit(f"refusing to wipe {name!r}: its name must contain bench/test")
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        flask_migrate.upgrade()
        started = time.perf_counter()
        registry.synthesize_registry(GEOGRAPHY_DIR, seed=1)
        services.import_catalogue(services.load_catalogue(services.default_catalogue_path()))
        db.session.commit()            # the synthesis wrote in bulk: the summary is rebuilt here
        lgo_years = db.session.execute(select(db.func.count()).select_from(KpiLgoYear)).scalar()
        print(f"{db.engine.dialect.name}: registry, catalogue and summary in "
              f"{time.perf_counter() - started:.1f} s ({lgo_years:,} LGO-years)")

        certificate_id = _one_certificate()
        rows = [{"lgo_id": lgo_id, "standard_code": code, "fiscal_year": fy,
                 "level_position": 1 + (lgo_id + fy) % 3, "certificate_id": certificate_id}
                for lgo_id, fy in db.session.execute(select(KpiLgoYear.lgo_id,
                                                            KpiLgoYear.fiscal_year))
                for i, code in enumerate(("DLC", "SEP", "L40", "DGO", "GGL"))
                if (lgo_id * 7 + fy + i) % 10 < 2 + (fy - 2561) // 2]
        connection = db.session.connection()
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA defer_foreign_keys=ON")
        for start in range(0, len(rows), 5000):
            connection.execute(insert(KpiLgoStandardYear.__table__), rows[start:start + 5000])
        cells = summary.rebuild_cells(connection)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":   # as autovacuum would after a bulk load
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.execute(text("ANALYZE"))
        print(f"certified LGO-standard-years: {len(rows):,}, cells: {cells:,}")

        client = app.test_client()
        login = _admin(client)
        del login

        def timed(label, url):
            client.get(url)
            walls, cpus = [], []
            for _ in range(rounds):
                started, cpu = time.perf_counter(), time.process_time()
                response = client.get(url)
                walls.append((time.perf_counter() - started) * 1000)
                cpus.append((time.process_time() - cpu) * 1000)
                assert response.status_code == 200, response.status_code

            def p95(values):
                return sorted(values)[int(round(0.95 * (len(values) - 1)))]
            print(f"{label:<44} wall median {statistics.median(walls):6.1f} ms, p95 "
                  f"{p95(walls):6.1f} ms; CPU here median {statistics.median(cpus):6.1f} ms, "
                  f"p95 {p95(cpus):6.1f} ms")

        timed("national dashboard (GET /kpi/?fy=2569)", "/kpi/?fy=2569")
        if "--profile" in sys.argv:
            import cProfile
            import pstats
            cProfile.runctx("client.get('/kpi/?fy=2569')", globals(), locals(),
                            str(scratch / "national.prof"))
            pstats.Stats(str(scratch / "national.prof")).sort_stats("cumtime").print_stats(25)
        timed("one KPI with 77 provinces", "/kpi/SI3-G1-K1?fy=2569")
        timed("drill-down, page 1 of the population",
              "/kpi/SI3-G1-K1/lgos?fy=2569&subset=population")
        started = time.perf_counter()
        with app.test_request_context():
            engine.board(2569)
        print(f"engine.board alone                           {1000 * (time.perf_counter() - started):6.1f} ms")
        started = time.perf_counter()
        summary.rebuild_summary(db.session, certificates=False)
        db.session.commit()
        print(f"rebuild of the LGO-years (flask kpi rebuild)  {time.perf_counter() - started:6.2f} s")


def _one_certificate() -> int:
    """A real certificate (through the services) for the summary rows to point at."""
    from flask import current_app

    from lgo_assess.certification.signing import KeyDirectory
    from lgo_assess.core.db import db
    from lgo_assess.registry.models import Lgo
    from tests.factories_certification import make_decision, make_recommended_assessment
    keys = KeyDirectory(current_app.config["KEYS_DIR"])
    keys.active_kid() or keys.generate()
    with current_app.test_request_context():
        lgo = db.session.execute(db.select(Lgo).order_by(Lgo.id)).scalars().first()
        decision = make_decision(make_recommended_assessment(lgo))
        db.session.commit()
        return decision.current_certificate.id


def _admin(client):
    from lgo_assess.core.db import db
    from lgo_assess.core.security import Role
    from tests.factories import TEST_PASSWORD, make_user
    from tests.logins import log_in_client
    user = make_user(Role.DLA_ADMIN, email="bench-admin@example.go.th")
    db.session.commit()
    log_in_client(client, user.email, TEST_PASSWORD)  # password, then the TOTP code
    return user


if __name__ == "__main__":
    arguments = [a for a in sys.argv[1:] if not a.startswith("--")]
    main(arguments[0] if arguments else None)
