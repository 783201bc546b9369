"""How long the registry's national-scale jobs take on a fresh database: import-geography (77 /
928 / 7,436), synthesize (7,850 LGOs), import-lgos of a DLA-format file of ~82,000 rows (first
import, then the same file again in Windows-874), and the directory's first page.

Run: .venv/bin/python benchmarks/registry_import.py [DATABASE_URL]

Without an argument a temporary SQLite file is used. A PostgreSQL URL must name a database whose
name contains "bench" or "test": its public schema is dropped and rebuilt.
Wall time depends on what else the machine runs; the CPU time of this process much less (on
SQLite it is nearly all the work; on PostgreSQL the server's share is not in it).
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main(database_url: str | None = None) -> None:
    import flask_migrate
    from sqlalchemy import text

    from lgo_assess import create_app
    from lgo_assess.config import _database_url
    from lgo_assess.core.db import db
    from lgo_assess.registry import services
    from lgo_assess.registry.reference import load_geography
    from tests.conftest import GEOGRAPHY_DIR, make_test_config
    from tests.registry_csv import dla_file

    scratch = Path(tempfile.mkdtemp(prefix="registry-bench-"))
    url = _database_url(database_url, scratch) if database_url else \
        f"sqlite:///{scratch / 'bench.sqlite3'}"
    app = create_app(make_test_config(scratch, url))
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            name = db.engine.url.database or ""
            if "bench" not in name and "test" not in name:
                raise SystemExit(f"refusing to wipe {name!r}: its name must contain bench/test")
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        flask_migrate.upgrade()

        started = time.perf_counter()
        dla = dla_file(load_geography(GEOGRAPHY_DIR), seed=1)
        utf8, cp874 = dla.to_bytes("utf-8-sig"), dla.to_bytes("cp874")
        print(f"{db.engine.dialect.name}: generated a DLA file of {len(dla.rows):,} rows, "
              f"{dla.lgos:,} LGOs, {len(utf8) / 1e6:.1f} MB in {time.perf_counter() - started:.1f} s")

        def timed(label, job):
            started, cpu = time.perf_counter(), time.process_time()
            result = job()
            db.session.commit()
            print(f"{label:<34} {time.perf_counter() - started:6.2f} s wall, "
                  f"{time.process_time() - cpu:6.2f} s CPU in this process")
            return result

        timed("import-geography (empty db)", lambda: services.import_geography(GEOGRAPHY_DIR))
        timed("import-geography (again)", lambda: services.import_geography(GEOGRAPHY_DIR))
        timed("import-lgos (new, utf-8-sig)", lambda: services.import_lgos(utf8, fiscal_year=2567))
        summary = timed("import-lgos (again, cp874)",
                        lambda: services.import_lgos(cp874, fiscal_year=2567))
        assert summary.unchanged == dla.lgos, summary
        client = app.test_client()
        started = time.perf_counter()
        assert client.get("/lgos/?q=บาง").status_code == 200
        print(f"{'directory search page':<34} {time.perf_counter() - started:6.2f} s")
        db.session.execute(text("DELETE FROM lgo_area_tags"))
        db.session.execute(text("DELETE FROM lgo_subdistricts"))
        db.session.execute(text("DELETE FROM lgo_type_periods"))
        db.session.execute(text("DELETE FROM lgos"))
        db.session.commit()
        timed("synthesize (7,850 LGOs)",
              lambda: services.synthesize_registry(GEOGRAPHY_DIR, seed=1))
        db.engine.dispose()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
