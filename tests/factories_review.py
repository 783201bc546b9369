"""Factories for reviews: assessors with a home district, submitted assessments and assessments
under review with their team."""
from __future__ import annotations

import functools
from dataclasses import dataclass, field

from sqlalchemy import select

from lgo_assess.assessments import services as assessments
from lgo_assess.assessments.models import Cycle
from lgo_assess.assessments.scoring import Answer
from lgo_assess.core.db import db
from lgo_assess.core.security import Role
from lgo_assess.criteria import services as criteria_services
from lgo_assess.criteria.loader import load_file
from lgo_assess.criteria.models import Standard, StandardEdition
from lgo_assess.review import services as review
from tests.factories import (make_district, make_evidence_item, make_lgo, make_province,
                             make_user)
from tests.factories_assessments import (DURING, SAO_FULL_ANSWERS, TST_EDITION, answer_all,
                                         make_assessment, make_cycle, make_lgo_team)


def make_assessor(district=None, *, email: str | None = None):
    user = make_user(Role.ASSESSOR, email=email)
    if district is not None:
        user.home_district = district
        db.session.flush()
    return user


@dataclass
class Review:
    assessment: object
    officer: object
    editor: object
    executive: object
    lead: object | None = None
    members: list = field(default_factory=list)

    @property
    def team(self) -> list:
        return [self.lead, *self.members]


def cite_required_evidence(assessment, editor) -> None:
    """Cite an item of a fitting kind for every piece of required evidence still missing."""
    for code, expectations in assessments.missing_evidence(assessment).items():
        for expectation in expectations:
            if expectation.kind == "url":
                item = make_evidence_item(assessment.lgo, kind="url", uploaded_by=editor,
                                          fiscal_year=assessment.cycle.fiscal_year)
            elif expectation.kind == "photo":
                item = make_evidence_item(assessment.lgo, filename="ภาพ.png",
                                          content_type="image/png", uploaded_by=editor,
                                          fiscal_year=assessment.cycle.fiscal_year)
            else:
                item = make_evidence_item(assessment.lgo, uploaded_by=editor,
                                          fiscal_year=assessment.cycle.fiscal_year)
            assessments.link_evidence(assessment, code, item.id, actor=editor, today=DURING)


@functools.cache
def _tst_file():
    """The TST fixture edition, read once per run (loading the YAML is the slow part)."""
    loaded = load_file(TST_EDITION)
    assert not loaded.problems, loaded.problems
    return loaded


def published_tst_edition():
    """TST 2569, imported and published on first use in a test."""
    row = db.session.execute(
        select(StandardEdition).join(Standard)
        .where(Standard.code == "TST", StandardEdition.code == "2569")).scalar_one_or_none()
    if row is None:
        row = criteria_services.import_edition(_tst_file()).edition
    if row.status == "draft":
        criteria_services.publish_edition(row)
    return row


def default_cycle():
    """The TST 2569 cycle, opened on first use and shared by every review of a test."""
    edition = published_tst_edition()
    found = db.session.execute(select(Cycle).where(Cycle.edition_id == edition.id,
                                                   Cycle.fiscal_year == 2569)).scalar()
    return found or make_cycle(edition)


def make_submitted(lgo=None, cycle=None, *, answers=SAO_FULL_ANSWERS) -> Review:
    """A submitted SAO assessment (in a district of its own province) and its people."""
    cycle = cycle or default_cycle()
    if lgo is None:
        province = make_province()
        lgo = make_lgo(province=province, district=make_district(province))
    lgo, editor, executive = make_lgo_team(lgo)
    assessment = make_assessment(lgo, cycle)
    answer_all(assessment, answers, actor=editor)
    cite_required_evidence(assessment, editor)
    assessments.submit(assessment, actor=executive, today=DURING)
    officer = make_user(Role.PROVINCIAL_OFFICER, province=lgo.province)
    return Review(assessment, officer, editor, executive)


def make_in_review(members: int = 1, lgo=None, cycle=None) -> Review:
    """A submitted assessment accepted by its officer, with a lead and ``members`` members."""
    setup = make_submitted(lgo, cycle)
    review.accept(setup.assessment, actor=setup.officer)
    setup.lead = make_assessor()
    setup.members = [make_assessor() for _ in range(members)]
    review.assign_team(setup.assessment, setup.lead, setup.members, actor=setup.officer)
    return setup


# Scores in each scoring method's terms, for the SAO criteria of the TST edition.
FULL_MARKS = {
    "1.1": Answer(level=4),
    "1.2": Answer(checked=frozenset({"a", "b", "c"})),
    "2.1": Answer(value=90.0),
    "2.2": Answer(value=10.0),
    "3.1": Answer(yes=True),
    "4.1": Answer(checked=frozenset({"a", "b", "c"})),
}


def score_all(setup: Review, user, answers=None, *, submit: bool = True) -> None:
    answers = {**FULL_MARKS, **(answers or {})}
    review.save_scores(setup.assessment, {code: review.ScoreInput(answer, f"ความเห็น {code}")
                                          for code, answer in answers.items()}, actor=user)
    if submit:
        review.submit_scoring(setup.assessment, actor=user)


def agree_all(setup: Review, answers=None) -> None:
    """The lead records the consensus for every criterion."""
    answers = {**FULL_MARKS, **(answers or {})}
    review.record_consensus(setup.assessment, {code: review.ScoreInput(answer, "ตกลงร่วมกัน")
                                               for code, answer in answers.items()},
                            actor=setup.lead)
