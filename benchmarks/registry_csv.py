"""Import of DLA's LGO list at national scale, against reading the same CSV alone.

The file is generated deterministically from the shared DOPA geography and the synthetic
registry (``tests/registry_csv.dla_file``, seed 1): about 83,800 rows for 7,849 LGOs, 17 MB, in
DLA's format (one row per LGO and village, CRLF, commas inside quoted cells). On a fresh
database with the geography imported, ``registry.services.import_lgos`` is timed with its commit
(which also rebuilds the KPI summary of the new LGOs): first as a new registry (UTF-8 with a
BOM), then the same file again in Windows-874 (nothing changes). Between rounds the LGOs are
deleted again. Also timed once: import-geography on an empty database, synthesize (7,850 LGOs),
and the directory's search page.

Floor: decoding the bytes and reading every row with the csv module (``list(csv.reader(...))``).
Target (issue #10): the first import <= 10 s on SQLite and on PostgreSQL. Wall time is given
and, in the note, the CPU time of the import (this process, plus on PostgreSQL its backend
process, read from /proc before the import and after its commit): on a shared
machine wall time includes waiting for a core, CPU time does not.

Run: .venv/bin/python benchmarks/registry_csv.py [--quick] [DATABASE_URL ...]
Without a URL a temporary SQLite file is used. A PostgreSQL URL must name a database whose name
contains "bench" or "test": its public schema is dropped and rebuilt.
"""
from __future__ import annotations

import csv
import io
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.harness import (Context, Result, median, p95, rebuild_database,  # noqa: E402
                                standalone_context, table)

TARGET_MS = 10_000
QUICK_PROVINCES = {"50", "57", "30", "40", "90"}


def dla_bytes(ctx: Context) -> tuple[bytes, bytes, int, int]:
    """(UTF-8 with BOM, Windows-874, rows, LGOs) of the benchmark's DLA file (built once)."""
    key = ("registry_csv.file", ctx.quick)
    if key not in ctx.cache:
        from lgo_assess.registry.reference import load_geography
        from tests.conftest import GEOGRAPHY_DIR
        from tests.registry_csv import dla_file
        dla = dla_file(load_geography(GEOGRAPHY_DIR), seed=1,
                       provinces=QUICK_PROVINCES if ctx.quick else None)
        ctx.cache[key] = (dla.to_bytes("utf-8-sig"), dla.to_bytes("cp874"), len(dla.rows),
                          dla.lgos)
    return ctx.cache[key]


def read_csv(raw: bytes) -> int:
    """The floor: decode and read every row."""
    return len(list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""))))


def _timed(job) -> tuple[float, float, object]:
    started, cpu = time.perf_counter(), time.process_time()
    result = job()
    return (time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000, result


def backend_pid(session) -> int | None:
    """The process id of the PostgreSQL backend serving ``session`` (None on SQLite)."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    from sqlalchemy import text
    return session.execute(text("SELECT pg_backend_pid()")).scalar_one()


def process_cpu_ms(pid: int) -> float:
    """CPU milliseconds process ``pid`` has used so far (read from /proc: the PostgreSQL
    server runs on this machine)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def server_cpu_ms(session) -> float | None:
    """CPU milliseconds the PostgreSQL backend of ``session``'s connection has used so far, or
    None on SQLite."""
    pid = backend_pid(session)
    return None if pid is None else process_cpu_ms(pid)


def _app(url: str, scratch: Path):

    from lgo_assess import create_app
    from tests.conftest import make_test_config

    instance = Path(tempfile.mkdtemp(dir=scratch, prefix="registry-"))
    config = make_test_config(instance, url)
    config["TESTING"] = False
    app = create_app(config)
    with app.app_context():
        rebuild_database()
    return app


def _delete_lgos() -> None:
    from sqlalchemy import text

    from lgo_assess.core.db import db
    # The KPI summary's rows point at the LGOs: emptied too, as before the first round.
    for table_name in ("kpi_cells", "kpi_lgo_standard_years", "kpi_lgo_years", "lgo_area_tags",
                       "lgo_subdistricts", "lgo_type_periods", "lgos"):
        db.session.execute(text(f"DELETE FROM {table_name}"))  # noqa: S608 - fixed names
    db.session.commit()


def measure_database(ctx: Context, database: str, url: str) -> list[Result]:
    from lgo_assess.core.db import db
    from lgo_assess.registry import services
    from tests.conftest import GEOGRAPHY_DIR

    utf8, cp874, rows, lgos = dla_bytes(ctx)
    rounds = 1 if ctx.quick else 3
    app = _app(url, ctx.scratch)
    first, again, first_cpu, again_cpu, floors = [], [], [], [], []
    with app.app_context():
        server: list[float] = []           # the PostgreSQL backend's CPU of the last job

        def commit(job):
            def run():
                pid = backend_pid(db.session)   # one connection: the same through the commit
                before = process_cpu_ms(pid) if pid else None
                result = job()
                db.session.commit()             # the KPI summary of new LGOs is built here
                if pid:
                    server.append(process_cpu_ms(pid) - before)
                return result
            return run

        geography_ms, geography_cpu, _ = _timed(commit(
            lambda: services.import_geography(GEOGRAPHY_DIR)))
        for round_number in range(rounds):
            if round_number:
                _delete_lgos()
            floors.append(_timed(lambda: read_csv(utf8))[0])
            wall, cpu, summary = _timed(commit(
                lambda: services.import_lgos(utf8, fiscal_year=2567)))
            assert summary.created == lgos, summary
            first.append(wall)
            first_cpu.append(cpu + (server[-1] if server else 0))
            wall, cpu, summary = _timed(commit(
                lambda: services.import_lgos(cp874, fiscal_year=2567)))
            assert summary.unchanged == lgos, summary
            again.append(wall)
            again_cpu.append(cpu + (server[-1] if server else 0))
        client = app.test_client()
        search_ms = _timed(lambda: client.get("/lgos/?q=บาง"))[0]
        _delete_lgos()
        synthesize_ms, synthesize_cpu, _ = _timed(commit(
            lambda: services.synthesize_registry(GEOGRAPHY_DIR, seed=1)))
        db.session.remove()
        db.engine.dispose()
    floor = median(floors)
    size = f"{rows:,} rows, {lgos:,} LGOs, {len(utf8) / 1e6:.1f} MB"
    both = " + the PostgreSQL backend" if database == "postgresql" else ""
    return [
        Result(f"import-lgos, new registry ({size})", database, "ms", median(first),
               p95(first), floor=floor, floor_label="csv.reader of the file",
               target="<= 10 s", met=median(first) <= TARGET_MS,
               note=f"(CPU: this process{both} {median(first_cpu):,.0f} ms)"),
        Result("import-lgos, same file again in Windows-874", database, "ms", median(again),
               p95(again), floor=floor, floor_label="csv.reader of the file",
               target="<= 10 s", met=median(again) <= TARGET_MS,
               note=f"(CPU: this process{both} {median(again_cpu):,.0f} ms)"),
        Result("import-geography, empty database", database, "ms", geography_ms,
               note=f"(once; CPU here {geography_cpu:,.0f} ms)"),
        Result("synthesize, 7,850 LGOs", database, "ms", synthesize_ms,
               note=f"(once; CPU here {synthesize_cpu:,.0f} ms)"),
        Result("directory search page /lgos/?q=บาง", database, "ms", search_ms, note="(once)"),
    ]


def measure(ctx: Context) -> list[Result]:
    results = []
    for database, url in ctx.databases.items():
        results += measure_database(ctx, database, url)
    return results


def main(argv: list[str]) -> None:
    ctx = standalone_context(argv, "registry-bench-")
    print(table(measure(ctx)))


if __name__ == "__main__":
    main(sys.argv[1:])
