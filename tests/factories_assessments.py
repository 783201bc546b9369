"""Factories for criteria editions, cycles and assessments."""
from __future__ import annotations

from datetime import date
from pathlib import Path

from lgo_assess.assessments import services
from lgo_assess.core.security import Role
from lgo_assess.criteria import services as criteria_services
from lgo_assess.criteria.loader import load_file, load_text
from tests.factories import make_lgo, make_user

FIXTURES = Path(__file__).resolve().parent / "criteria_fixtures" / "valid"
TST_EDITION = FIXTURES / "TST" / "2569.yaml"

# A cycle of fiscal year 2569 open from 1 Nov 2025 to 31 Mar 2026; tests pass "today" explicitly.
DURING = date(2026, 1, 15)
AFTER_DEADLINE = date(2026, 4, 1)


def make_published_edition(path: Path = TST_EDITION):
    loaded = load_file(path)
    assert not loaded.problems, loaded.problems
    row = criteria_services.import_edition(loaded).edition
    if row.status == "draft":
        criteria_services.publish_edition(row)
    return row


def make_next_edition(fiscal_year: int = 2570):
    """The TST edition copied for another fiscal year (as DLA would publish next year's)."""
    text = TST_EDITION.read_text(encoding="utf-8")
    text = text.replace('code: "2569"', f'code: "{fiscal_year}"', 1).replace(
        "fiscal_years: [2569]", f"fiscal_years: [{fiscal_year}]", 1).replace(
        "supersedes: null", 'supersedes: "2569"', 1)
    loaded = load_text(text, f"TST/{fiscal_year}.yaml")
    assert not loaded.problems, loaded.problems
    row = criteria_services.import_edition(loaded).edition
    criteria_services.publish_edition(row)
    return row


def make_cycle(edition=None, fiscal_year: int = 2569, *, opens_on=date(2025, 11, 1),
               due=date(2026, 3, 31), review_due=date(2026, 6, 30),
               decision_due=date(2026, 8, 31)):
    edition = edition or make_published_edition()
    return services.open_cycle(edition, fiscal_year, opens_on=opens_on, self_assessment_due=due,
                               review_due=review_due, decision_due=decision_due, actor=None)


def make_assessment(lgo=None, cycle=None, *, today=DURING, **lgo_kwargs):
    cycle = cycle or make_cycle()
    lgo = lgo or make_lgo(**lgo_kwargs)
    return services.start_assessment(cycle, lgo, actor=None, today=today)


def make_lgo_team(lgo=None):
    """An LGO with its editor and executive."""
    lgo = lgo or make_lgo()
    editor = make_user(Role.LGO_EDITOR, lgo=lgo)
    executive = make_user(Role.LGO_EXECUTIVE, lgo=lgo)
    return lgo, editor, executive


# A complete, passing set of answers for an SAO on the TST edition.
SAO_FULL_ANSWERS = {
    "1.1": {"level": 4},
    "1.2": {"checked": ["a", "b", "c"]},
    "2.1": {"value": 90.0},
    "2.2": {"value": 10.0},
    "3.1": {"yes": True},
    "4.1": {"checked": ["a", "b", "c"]},
}


def answer_all(assessment, answers=SAO_FULL_ANSWERS, *, actor, today=DURING):
    for code, data in answers.items():
        response = assessment.response_for(code)
        services.save_response(assessment, code, data,
                               expected_version=response.version if response else None,
                               actor=actor, today=today)
    cite_required_evidence(assessment, answers, actor=actor, today=today)


def cite_required_evidence(assessment, codes=None, *, actor, today=DURING):
    """Cite a fitting item of the LGO's library for each piece of required evidence still
    missing (of the criteria ``codes``, or all), as an LGO completing its assessment does."""
    from tests.factories import make_evidence_item
    fiscal_year = assessment.cycle.fiscal_year
    for code, expectations in services.missing_evidence(assessment).items():
        if codes is not None and code not in codes:
            continue
        for expectation in expectations:
            if expectation.kind == "url":
                item = make_evidence_item(assessment.lgo, kind="url", fiscal_year=fiscal_year,
                                          uploaded_by=actor)
            elif expectation.kind == "photo":
                item = make_evidence_item(assessment.lgo, filename="ภาพกิจกรรม.png",
                                          content_type="image/png", fiscal_year=fiscal_year,
                                          uploaded_by=actor)
            else:
                item = make_evidence_item(assessment.lgo, fiscal_year=fiscal_year,
                                          uploaded_by=actor)
            services.link_evidence(assessment, code, item.id, actor=actor, today=today)
