"""The KPI pages at national scale (issue #10): the national dashboard beside a single SQL
GROUP BY over the per-LGO summary, one KPI with its 77 provinces, the drill-down list behind a
number, and the full rebuild of the LGO-year summary (`flask kpi rebuild`).

Runs over the national data set (benchmarks/national.py) in each database of the run.
"""
from __future__ import annotations

import time

from sqlalchemy import text

from benchmarks import national
from benchmarks.harness import Context, Result, median, p95

FY = national.LAST          # the last closed year: its certificates are all decided

FLOOR_SQL = """
SELECT r.code, y.lgo_type, s.standard_code, s.level_position, count(*)
FROM kpi_lgo_years y
JOIN provinces p ON p.id = y.province_id
JOIN regions r ON r.id = p.admin_region_id
LEFT JOIN kpi_lgo_standard_years s ON s.lgo_id = y.lgo_id AND s.fiscal_year = y.fiscal_year
    AND s.standard_code IN ({standards})
WHERE y.fiscal_year = :fy
GROUP BY r.code, y.lgo_type, s.standard_code, s.level_position
""".format(standards=", ".join(f"'{code}'" for code in national.STANDARDS))
# (The standard codes let both planners use the summary's primary key for the join; without
# them SQLite's planner, lacking statistics, walks the year's index once per LGO: 35 s.)


def sample_cpu(call, rounds: int, warmup: int) -> tuple[list[float], list[float]]:
    """Wall and CPU (this process) milliseconds per call: on a busy machine the CPU time shows
    what the code costs (on SQLite nearly all of it; PostgreSQL's share is the server's)."""
    for _ in range(warmup):
        call()
    walls, cpus = [], []
    for _ in range(rounds):
        started, cpu = time.perf_counter(), time.process_time()
        call()
        walls.append((time.perf_counter() - started) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    return walls, cpus


def get_ok(client, url: str):
    def call():
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url}: {response.status_code}")
        return response
    return call


def measure(ctx: Context) -> list[Result]:
    from lgo_assess.core.db import db
    from lgo_assess.kpi import summary

    rounds, warmup = (8, 2) if ctx.quick else (40, 5)
    results = []
    for name, data in national.datasets(ctx).items():
        app = data.app
        with app.app_context():
            client = app.test_client()
            national.login(client, data.people["admin"])

            def floor():
                with db.engine.connect() as connection:
                    return connection.execute(text(FLOOR_SQL), {"fy": FY}).all()
            floor_ms, floor_cpu = sample_cpu(floor, rounds, warmup)
            page, page_cpu = sample_cpu(get_ok(client, f"/kpi/?fy={FY}"), rounds, warmup)
            results.append(Result(
                f"national KPI dashboard (GET /kpi/?fy={FY})", name, "ms", median(page),
                p95(page), median(floor_ms), "one GROUP BY over the per-LGO summary",
                "p95 ≤ 150 ms, ≤ 2× floor",
                p95(page) <= 150 and median(page) <= 2 * median(floor_ms),
                f"(floor p95 {p95(floor_ms):.1f} ms; CPU here: page {median(page_cpu):.1f} ms, "
                f"floor {median(floor_cpu):.1f} ms)"))
            for label, url in (("one KPI page with 77 provinces", f"/kpi/SI3-G1-K1?fy={FY}"),
                               ("KPI drill-down list, page 1",
                                f"/kpi/SI3-G1-K1/lgos?fy={FY}&subset=population")):
                samples, cpu = sample_cpu(get_ok(client, url), rounds, warmup)
                results.append(Result(f"{label} (GET {url})", name, "ms", median(samples),
                                      p95(samples), note=f"(CPU here {median(cpu):.1f} ms)"))
            times = []
            for _ in range(1 if ctx.quick else 3):
                started = time.perf_counter()
                summary.rebuild_summary(db.session, certificates=False)
                db.session.commit()
                times.append((time.perf_counter() - started) * 1000)
            results.append(Result("rebuild of the LGO-year summary (flask kpi rebuild, "
                                  "registry part)", name, "ms", median(times), max(times)))
            db.session.remove()
            if db.engine.dialect.name == "postgresql":
                # The rebuild rewrote the summary: vacuum it as autovacuum would soon after
                # (it is off on this machine's server), or the pages measured next read dead
                # rows and lose their index-only scans (the province page's statements: 20 -> 52 ms).
                with db.engine.connect().execution_options(
                        isolation_level="AUTOCOMMIT") as connection:
                    connection.execute(text("VACUUM ANALYZE"))
    return results
