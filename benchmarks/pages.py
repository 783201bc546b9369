"""The pages people wait on, at national scale (issue #10): a province's dashboard (the officer's
drill-down), an LGO's assessment workspace and the autosave of one answer, each beside the floor
the same process and database could reach (national.FLOORS says how each floor is defined).

Runs over the national data set (benchmarks/national.py) in each database of the run.
"""
from __future__ import annotations

from sqlalchemy import create_engine, event, select, text

from benchmarks import national
from benchmarks.harness import ROOT, Context, Result, median, p95, sample_ms
from benchmarks.kpi_dashboard import get_ok, sample_cpu

ROWS_TEMPLATE = """<!doctype html><html lang="th"><head><title>rows</title></head><body>
<table>{% for row in rows %}<tr id="c-{{ row.criterion_code }}"><td>{{ row.criterion_code }}</td>
<td>{{ row.level }}</td><td>{{ row.value }}</td><td>{{ row.yes }}</td><td>{{ row.narrative }}</td>
<td>{{ row.version }}</td><td>{{ row.updated_at }}</td></tr>{% endfor %}</table></body></html>"""


def rate(samples_ms: list[float]) -> float:
    """Requests per second over the sequential requests timed."""
    return 1000 * len(samples_ms) / sum(samples_ms)


def floor_app(url: str):
    """The floor for pages and saves: a bare Flask app on the same database, with SQLAlchemy
    Core, a cached Jinja template and nothing else (no login, no ORM, no audit)."""
    from flask import Flask, jsonify, render_template, request
    from jinja2 import DictLoader

    from lgo_assess.config import _database_url
    engine = create_engine(_database_url(url, ROOT))
    app = Flask("floor")
    app.jinja_loader = DictLoader({"rows.html": ROWS_TEMPLATE})

    @app.get("/rows/<int:assessment_id>")
    def rows(assessment_id: int):
        with engine.connect() as connection:
            found = connection.execute(text(
                "SELECT id, criterion_code, level, value, yes, narrative, version, updated_at "
                "FROM responses WHERE assessment_id >= :a ORDER BY assessment_id, id LIMIT 50"),
                {"a": assessment_id}).all()
        return render_template("rows.html", rows=found)

    @app.post("/rows/<int:response_id>")
    def save(response_id: int):
        level = int(request.get_json()["level"])
        with engine.begin() as connection:
            connection.execute(text(
                "UPDATE responses SET level = :level, version = version + 1, "
                "updated_at = CURRENT_TIMESTAMP WHERE id = :id"), {"level": level,
                                                                  "id": response_id})
        return jsonify(saved=True)

    return app, engine


def captured_statements(app, client, url: str) -> list[tuple[str, object]]:
    """The SQL one request to ``url`` runs, with its parameters, as the driver received them."""
    from lgo_assess.core.db import db
    seen = []

    def listen(_conn, _cursor, statement, parameters, _context, executemany):
        if not executemany and statement.split(None, 1)[0].upper() not in (
                "BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"):
            seen.append((statement, parameters))
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", listen)
    try:
        get_ok(client, url)()
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    return seen


def replay(engine, statements):
    """Run the captured statements bare on one DB-API connection, fetching every row."""
    def call():
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            for statement, parameters in statements:
                cursor.execute(statement, parameters)
                if cursor.description is not None:
                    cursor.fetchall()
            cursor.close()
            raw.rollback()
        finally:
            raw.close()
    return call


def measure(ctx: Context) -> list[Result]:
    from lgo_assess.assessments.models import Response
    from lgo_assess.core.db import db
    from lgo_assess.criteria.edition import ScoringLevel

    rounds, warmup = (8, 2) if ctx.quick else (40, 5)
    requests = 30 if ctx.quick else 200          # sequential requests for a throughput
    results = []
    for name, data in national.datasets(ctx).items():
        app = data.app
        bare, bare_engine = floor_app(data.url)
        bare_client = bare.test_client()

        # The province's dashboard, as its officer sees it.
        officer = app.test_client()
        national.login(officer, data.people["officer"])
        url = f"/kpi/province/{data.province_code}?fy={national.CURRENT}"
        statements = captured_statements(app, officer, url)
        with app.app_context():
            floor = sample_ms(replay(db.engine, statements), rounds, warmup)
        page, cpu = sample_cpu(get_ok(officer, url), rounds, warmup)
        results.append(Result(
            f"province drill-down page (GET {url})", name, "ms", median(page), p95(page),
            median(floor), f"its {len(statements)} statements run bare", "p95 ≤ 100 ms",
            p95(page) <= 100, f"(CPU here {median(cpu):.1f} ms)"))

        # The LGO's workspace and the autosave of one answer, as its editor.
        assessment_id = data.workspaces[0]
        editor = app.test_client()
        national.login(editor, data.editor_of[assessment_id])
        url = f"/assessments/{assessment_id}"
        page, cpu = sample_cpu(get_ok(editor, url), requests, warmup)
        floor, floor_cpu = sample_cpu(get_ok(bare_client, f"/rows/{assessment_id}"), requests,
                                      warmup)
        results.append(Result(
            f"LGO workspace page (GET {url}, 39 criteria, 78 evidence links)", name, "/s",
            rate(page), None, rate(floor), "bare route rendering 50 rows",
            "≥ 40% of floor", rate(page) >= 0.4 * rate(floor),
            f"(latency median {median(page):.1f} ms, p95 {p95(page):.1f} ms; CPU here "
            f"{median(cpu):.1f} ms, floor {median(floor_cpu):.1f} ms)"))

        with app.app_context():
            from lgo_assess.assessments.models import Assessment
            from lgo_assess.assessments.services import edition_of
            assessment = db.session.get(Assessment, assessment_id)
            edition = edition_of(assessment)
            criterion = next(e for e in edition.criteria_for(str(assessment.lgo_type),
                                                             assessment.area_tags or ())
                             if e.applicable and isinstance(e.scoring, ScoringLevel))
            levels = criterion.scoring.scale.values
            response = db.session.execute(select(Response).where(
                Response.assessment_id == assessment_id,
                Response.criterion_code == criterion.code)).scalar_one()
            state = {"version": response.version, "n": 0}
            other = db.session.execute(select(Response.id).where(
                Response.assessment_id != assessment_id).order_by(Response.id.desc())
                .limit(1)).scalar_one()
            db.session.remove()
        save_url = f"/assessments/{assessment_id}/responses/{criterion.code}"

        def autosave():
            state["n"] += 1
            reply = editor.post(save_url, json={"version": state["version"],
                                                "level": levels[state["n"] % len(levels)]})
            if reply.status_code != 200:
                raise RuntimeError(f"autosave: {reply.status_code} {reply.get_data(True)[:200]}")
            state["version"] = reply.get_json()["version"]

        def bare_save():
            state["n"] += 1
            reply = bare_client.post(f"/rows/{other}", json={"level": state["n"] % 3 + 1})
            if reply.status_code != 200:
                raise RuntimeError(f"bare save: {reply.status_code}")
        saves, cpu = sample_cpu(autosave, requests, warmup)
        floor, floor_cpu = sample_cpu(bare_save, requests, warmup)
        results.append(Result(
            f"autosave of one response (POST {save_url}, JSON)", name, "/s", rate(saves), None,
            rate(floor), "bare single-row UPDATE route", "≥ 50% of floor",
            rate(saves) >= 0.5 * rate(floor),
            f"(latency median {median(saves):.1f} ms, p95 {p95(saves):.1f} ms; CPU here "
            f"{median(cpu):.1f} ms, floor {median(floor_cpu):.1f} ms)"))
        bare_engine.dispose()
    return results
