"""Helpers of the workspace web tests: an LGO team with an assessment in a cycle open today, a
second standard in the same fiscal year, clients logged in as each member, and saving."""
from __future__ import annotations

import re
from datetime import timedelta

from lgo_assess.assessments import services
from lgo_assess.core.db import db
from lgo_assess.core.thaidate import today_bangkok
from lgo_assess.registry.models import LgoType
from tests.factories import TEST_PASSWORD, make_lgo
from tests.factories_assessments import TST_EDITION, make_lgo_team
from tests.web.assessment_scene import MATRIX_FISCAL_YEAR, open_cycle_today

FY = MATRIX_FISCAL_YEAR


def second_standard_cycle(fiscal_year: int = FY):
    """A cycle of another standard ("TSB", the TST file under another code) in the same fiscal
    year, open today."""
    from lgo_assess.criteria import services as criteria_services
    from lgo_assess.criteria.loader import load_text
    text = TST_EDITION.read_text(encoding="utf-8").replace("code: TST", "code: TSB", 1).replace(
        'code: "2569"', f'code: "{fiscal_year}"', 1).replace(
        "fiscal_years: [2569]", f"fiscal_years: [{fiscal_year}]", 1).replace(
        "{standard: TST, criterion:", "{standard: TSB, criterion:")
    loaded = load_text(text, f"TSB/{fiscal_year}.yaml")
    assert not loaded.problems, loaded.problems
    row = criteria_services.import_edition(loaded).edition
    if row.status == "draft":
        criteria_services.publish_edition(row)
    today = today_bangkok()
    return services.open_cycle(row, fiscal_year, opens_on=today - timedelta(days=10),
                               self_assessment_due=today + timedelta(days=20),
                               review_due=today + timedelta(days=40),
                               decision_due=today + timedelta(days=60), actor=None)


def make_team(lgo_type: LgoType = LgoType.SAO, *, cycle=None, locale: str = "th", **lgo_kwargs):
    """(assessment, editor, executive) of a new LGO, in a cycle open today; committed, so that
    requests see it."""
    from tests.factories import make_user
    from lgo_assess.core.security import Role
    lgo = make_lgo(lgo_type, **lgo_kwargs)
    if locale == "th":
        lgo, editor, executive = make_lgo_team(lgo)
    else:
        editor = make_user(Role.LGO_EDITOR, lgo=lgo, locale=locale)
        executive = make_user(Role.LGO_EXECUTIVE, lgo=lgo, locale=locale)
    assessment = services.start_assessment(cycle or open_cycle_today(), lgo, actor=editor)
    db.session.commit()
    return assessment, editor, executive


def client_for(app, user):
    from tests.logins import log_in_client
    client = app.test_client()
    log_in_client(client, user.email, TEST_PASSWORD)
    return client


def save(client, assessment, code, version=None, **fields):
    """The autosave's request: the criterion's answer and the version the page loaded."""
    return client.post(f"/assessments/{assessment.id}/responses/{code}",
                       json={"version": version, **fields})


def article(html: str, code: str) -> str:
    """The HTML of one criterion of the workspace."""
    match = re.search(r'<article[^>]*id="c-' + re.escape(code) + r'".*?</article>', html, re.S)
    assert match, f"criterion {code} is not on the page"
    return match.group(0)


def submit_as(app, executive, assessment) -> None:
    """The executive confirms the submission on the submission page."""
    response = client_for(app, executive).post(f"/assessments/{assessment.id}/submit",
                                               data={"confirm": "y"})
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
