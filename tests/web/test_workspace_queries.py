"""The workspace costs the same number of queries for an edition of 7 criteria as for one of 39:
responses and evidence links are loaded eagerly, the edition is built once per process."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from sqlalchemy import event

from lgo_assess.assessments import services
from lgo_assess.core.db import db
from lgo_assess.core.thaidate import today_bangkok
from lgo_assess.criteria import services as criteria_services
from lgo_assess.criteria.loader import load_file
from tests.factories import make_evidence_item, make_lgo
from tests.factories_assessments import make_lgo_team
from tests.web.assessment_scene import open_cycle_today

GGL = Path(__file__).resolve().parents[2] / "criteria" / "GGL" / "2569.yaml"


@contextmanager
def counted_queries():
    statements: list[str] = []
    engine = db.session.get_bind().engine

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _ggl_cycle():
    loaded = load_file(GGL)
    assert not loaded.problems, loaded.problems
    row = criteria_services.import_edition(loaded).edition
    if row.status == "draft":
        criteria_services.publish_edition(row)
    today = today_bangkok()
    return services.open_cycle(row, 2569, opens_on=today - timedelta(days=5),
                               self_assessment_due=today + timedelta(days=5),
                               review_due=today + timedelta(days=6),
                               decision_due=today + timedelta(days=7), actor=None)


def _assessment_with_work(cycle):
    """An assessment with three narratives saved and three items cited."""
    lgo, editor, _ = make_lgo_team(make_lgo())
    assessment = services.start_assessment(cycle, lgo, actor=editor)
    edition = services.edition_of(assessment)
    codes = [e.code for e in edition.criteria_for(assessment.lgo_type, []) if e.applicable][:3]
    for code in codes:
        services.save_response(assessment, code, {"narrative": "ดำเนินการแล้ว"},
                               expected_version=None, actor=editor)
        item = make_evidence_item(lgo, fiscal_year=cycle.fiscal_year, uploaded_by=editor)
        services.link_evidence(assessment, code, item.id, actor=editor)
    return assessment, editor, len(edition.criteria)


def _queries_of_the_workspace(app, assessment, editor) -> int:
    from tests.web.workspace_helpers import client_for
    client = client_for(app, editor)
    assert client.get(f"/assessments/{assessment.id}").status_code == 200   # warm the cache
    with counted_queries() as statements:
        response = client.get(f"/assessments/{assessment.id}")
    assert response.status_code == 200
    return len(statements)


def test_the_workspace_does_not_query_per_criterion(app):
    small, small_editor, small_count = _assessment_with_work(open_cycle_today())
    large, large_editor, large_count = _assessment_with_work(_ggl_cycle())
    db.session.commit()
    assert (small_count, large_count) == (7, 39)
    small_queries = _queries_of_the_workspace(app, small, small_editor)
    large_queries = _queries_of_the_workspace(app, large, large_editor)
    assert small_queries == large_queries, (small_queries, large_queries)
    assert large_queries <= 15
