"""Evidence links: citing library items for criteria (same LGO and fiscal year only), required
evidence by kind in the completeness check, the deletion guard, citations, the evidence part of
the submission snapshot, and links carried into next year's assessment."""
from __future__ import annotations

from datetime import date

import pytest

from lgo_assess.assessments import services
from lgo_assess.assessments.models import EvidenceLink
from lgo_assess.assessments.states import AssessmentStatus as S
from lgo_assess.core.errors import Conflict, Forbidden, Invalid, NotFound
from lgo_assess.criteria import services as criteria_services
from lgo_assess.criteria.loader import load_text
from lgo_assess.evidence import services as evidence_services
from tests.factories import make_evidence_item, make_lgo
from tests.factories_assessments import (DURING, SAO_FULL_ANSWERS, TST_EDITION, answer_all,
                                         make_assessment, make_cycle, make_lgo_team,
                                         make_next_edition)


@pytest.fixture
def team(db_session):
    lgo, editor, executive = make_lgo_team()
    return make_assessment(lgo), editor, executive


def _link(assessment, code, item, actor):
    return services.link_evidence(assessment, code, item.id, actor=actor, today=DURING)


def test_an_item_of_the_same_lgo_and_year_is_cited_once_per_criterion(team):
    assessment, editor, _ = team
    item = make_evidence_item(assessment.lgo, uploaded_by=editor)
    first = _link(assessment, "1.1", item, editor)
    again = _link(assessment, "1.1", item, editor)
    _link(assessment, "1.2", item, editor)
    assert first is again
    assert sorted(l.criterion_code for l in assessment.evidence_links) == ["1.1", "1.2"]
    services.unlink_evidence(assessment, "1.1", item.id, actor=editor, today=DURING)
    assert [l.criterion_code for l in assessment.evidence_links] == ["1.2"]
    with pytest.raises(NotFound):
        services.unlink_evidence(assessment, "1.1", item.id, actor=editor, today=DURING)


@pytest.mark.parametrize("where", ["other_lgo", "other_year", "deleted"])
def test_items_of_another_library_or_deleted_ones_are_refused(team, where):
    assessment, editor, _ = team
    if where == "other_lgo":
        item = make_evidence_item(make_lgo())
    elif where == "other_year":
        item = make_evidence_item(assessment.lgo, fiscal_year=2568, uploaded_by=editor)
    else:
        item = make_evidence_item(assessment.lgo, uploaded_by=editor)
        evidence_services.delete_item(item, actor=editor)
    with pytest.raises((Forbidden, NotFound)):
        _link(assessment, "1.1", item, editor)
    assert assessment.evidence_links == []


def test_only_open_criteria_of_the_lgos_own_staff_take_links(app_ctx, team):
    assessment, editor, executive = team
    item = make_evidence_item(assessment.lgo, uploaded_by=editor)
    with pytest.raises(Forbidden):                 # a stranger
        _link(assessment, "1.1", item, make_lgo_team()[1])
    with pytest.raises(Invalid):                   # 3.2 does not apply to this SAO
        _link(assessment, "3.2", item, editor)
    with pytest.raises(NotFound):
        _link(assessment, "9.9", item, editor)
    with pytest.raises(Forbidden):                 # after the deadline
        services.link_evidence(assessment, "1.1", item.id, actor=editor, today=date(2026, 4, 1))
    answer_all(assessment, actor=editor)
    services.submit(assessment, actor=executive, today=DURING)
    with pytest.raises(Forbidden):                 # submitted: frozen
        _link(assessment, "1.2", item, editor)


def test_required_evidence_is_matched_by_kind(db_session):
    """1.2 requires a web page and 3.1 a photo in this copy of the TST edition."""
    text = TST_EDITION.read_text(encoding="utf-8").replace("code: TST", "code: TSK", 1)
    text = text.replace(
        "description: {th: หน้าเว็บไซต์ที่เผยแพร่, en: The web page that publishes it}",
        "description: {th: หน้าเว็บไซต์ที่เผยแพร่, en: The web page that publishes it}\n"
        "            required: true").replace(
        "description: {th: ภาพถ่ายศูนย์ข้อมูลข่าวสาร, en: Photo of the information centre}",
        "description: {th: ภาพถ่ายศูนย์ข้อมูลข่าวสาร, en: Photo of the information centre}\n"
        "            required: true").replace("{standard: TST, criterion:",
                                         "{standard: TSK, criterion:")
    loaded = load_text(text, "TSK/2569.yaml")
    assert not loaded.problems, loaded.problems
    row = criteria_services.import_edition(loaded).edition
    criteria_services.publish_edition(row)
    lgo, editor, _ = make_lgo_team()
    assessment = make_assessment(lgo, make_cycle(row))

    def missing():
        return {code: sorted(e.kind for e in kinds)
                for code, kinds in services.missing_evidence(assessment).items()}

    assert missing() == {"1.1": ["document"], "1.2": ["url"], "2.1": ["system_record"],
                         "3.1": ["photo"]}
    pdf = make_evidence_item(lgo, uploaded_by=editor)
    photo = make_evidence_item(lgo, filename="ศูนย์.jpg", content_type="image/jpeg",
                               uploaded_by=editor)
    page = make_evidence_item(lgo, kind="url", uploaded_by=editor)
    _link(assessment, "1.2", pdf, editor)          # a file is not a web page
    _link(assessment, "3.1", pdf, editor)          # a PDF is not a photo
    _link(assessment, "2.1", page, editor)         # a system record may be a link
    assert missing() == {"1.1": ["document"], "1.2": ["url"], "3.1": ["photo"]}
    _link(assessment, "1.2", page, editor)
    _link(assessment, "3.1", photo, editor)
    _link(assessment, "1.1", photo, editor)        # a scan as an image is a document too
    assert missing() == {}
    assert [m for m in services.completeness(assessment) if m.what == "evidence"] == []


def test_a_cited_item_cannot_be_deleted_once_the_assessment_is_submitted(app_ctx, team):
    assessment, editor, executive = team
    draft_only = make_evidence_item(assessment.lgo, uploaded_by=editor)
    _link(assessment, "1.2", draft_only, editor)
    evidence_services.delete_item(draft_only, actor=editor)      # a draft may lose it
    assert draft_only.is_deleted
    assert all(l.evidence_item_id != draft_only.id for l in services.live_links(assessment))

    answer_all(assessment, actor=editor)
    cited = services.live_links(assessment)[0].item
    services.submit(assessment, actor=executive, today=DURING)
    with pytest.raises(Conflict) as refused:
        evidence_services.delete_item(cited, actor=editor)
    assert "submitted" in str(refused.value.message) and "TST 2569" in str(refused.value.message)
    assert not cited.is_deleted
    services.transition(assessment, S.WITHDRAWN, actor=executive, reason="ถอน")
    evidence_services.delete_item(cited, actor=editor)            # withdrawn: the LGO's again
    assert cited.is_deleted


def test_the_snapshot_freezes_the_hash_of_every_cited_file(app_ctx, team):
    assessment, editor, executive = team
    answer_all(assessment, actor=editor)
    page = make_evidence_item(assessment.lgo, kind="url", uploaded_by=editor)
    _link(assessment, "1.2", page, editor)
    snap = services.submit(assessment, actor=executive, today=DURING)
    evidence = snap.payload["evidence"]
    cited_file = services.live_links(assessment)[0].item
    assert sorted(evidence) == ["1.1", "1.2", "2.1"]
    assert evidence["1.1"][0]["sha256"] == cited_file.sha256 and len(cited_file.sha256) == 64
    assert evidence["1.2"][0]["url"] == page.url and evidence["1.2"][0]["sha256"] is None


def test_citations_name_every_assessment_citing_the_item(app_ctx, team):
    assessment, editor, _ = team
    item = make_evidence_item(assessment.lgo, uploaded_by=editor)
    _link(assessment, "1.1", item, editor)
    _link(assessment, "2.1", item, editor)
    found = evidence_services.citations(item)
    assert [url for _label, url in found] == [f"/assessments/{assessment.id}#c-1.1",
                                              f"/assessments/{assessment.id}#c-2.1"]
    assert all("TST 2569" in label for label, _url in found)


def test_starting_from_last_year_copies_answers_and_links_never_review_results(team):
    last_year, editor, _ = team
    answer_all(last_year, actor=editor)
    old_file = services.live_links(last_year)[0].item
    next_cycle = make_cycle(make_next_edition(2570), 2570, opens_on=date(2026, 11, 1),
                            due=date(2027, 3, 31), review_due=date(2027, 6, 30),
                            decision_due=date(2027, 8, 31))
    this_year = services.start_assessment_from(next_cycle, last_year.lgo, actor=editor,
                                               copy_from=last_year, today=date(2027, 1, 10))
    assert {r.criterion_code for r in this_year.responses} == set(SAO_FULL_ANSWERS)
    links = {l.criterion_code: l.item for l in this_year.evidence_links}
    assert set(links) == {"1.1", "2.1"}
    carried = links["1.1"]
    assert carried.fiscal_year == 2570 and carried.id != old_file.id
    assert carried.sha256 == old_file.sha256                    # the same stored file
    assert services.missing_evidence(this_year) == {}
    # Starting again returns the assessment as it is; nothing is copied twice.
    again = services.start_assessment_from(next_cycle, last_year.lgo, actor=editor,
                                           copy_from=last_year, today=date(2027, 1, 10))
    assert again is this_year and len(this_year.evidence_links) == 2


def test_answers_are_never_copied_from_another_standard(team):
    last_year, editor, _ = team
    text = TST_EDITION.read_text(encoding="utf-8").replace("code: TST", "code: TSO", 1).replace(
        'code: "2569"', 'code: "2570"', 1).replace("fiscal_years: [2569]", "fiscal_years: [2570]", 1
    ).replace("{standard: TST, criterion:", "{standard: TSO, criterion:")
    loaded = load_text(text, "TSO/2570.yaml")
    row = criteria_services.import_edition(loaded).edition
    criteria_services.publish_edition(row)
    cycle = make_cycle(row, 2570, opens_on=date(2026, 11, 1), due=date(2027, 3, 31),
                       review_due=date(2027, 6, 30), decision_due=date(2027, 8, 31))
    with pytest.raises(Invalid):
        services.start_assessment_from(cycle, last_year.lgo, actor=editor, copy_from=last_year,
                                       today=date(2027, 1, 10))


def test_links_go_with_their_assessment(team):
    assessment, editor, _ = team
    item = make_evidence_item(assessment.lgo, uploaded_by=editor)
    _link(assessment, "1.1", item, editor)
    from lgo_assess.core.db import db
    db.session.delete(assessment)
    db.session.flush()
    assert db.session.query(EvidenceLink).count() == 0
