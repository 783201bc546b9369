"""The workspace's criterion parts rendered once per process (assessments/fragments.py): reused
views are identical to fresh ones, and languages, LGO types and applications never share a part."""
from __future__ import annotations

import re

from markupsafe import Markup

from lgo_assess.assessments import fragments
from lgo_assess.core.db import db
from lgo_assess.core.i18n import template_gettext
from lgo_assess.core.thaidate import today_bangkok
from lgo_assess.registry.models import LgoType
from tests.factories import make_evidence_item
from tests.factories_assessments import answer_all
from tests.web.workspace_helpers import FY, article, client_for, make_team, save, submit_as

CSRF = re.compile(r'name="csrf[-_]token" (value|content)="[^"]*"')


def _forget_rendered(app) -> None:
    """Empty both caches: the next view renders every criterion again."""
    with app.app_context():
        fragments.articles().clear()
        fragments.cache().clear()


def _page(client, assessment) -> str:
    response = client.get(f"/assessments/{assessment.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_second_view_reuses_every_part_and_reads_the_same(app):
    assessment, editor, _ = make_team(locale="en")
    client = client_for(app, editor)
    _forget_rendered(app)
    with app.app_context():
        parts = fragments.cache()
    first = _page(client, assessment)
    rendered = parts.misses
    assert rendered > 0 and len(parts) == rendered
    with app.app_context():
        fragments.articles().clear()                 # whole criteria rendered again, from parts
    second = _page(client, assessment)
    assert parts.misses == rendered                  # no part rendered again
    assert parts.hits >= rendered
    assert CSRF.sub("", first) == CSRF.sub("", second)
    assert "Level reached" in second and "Expected evidence" in second


def _same_as_fresh(app, client, assessment) -> str:
    """The page as the cache serves it equals the page rendered with an empty cache."""
    served = _page(client, assessment)
    _forget_rendered(app)
    fresh = _page(client, assessment)
    assert CSRF.sub("", served) == CSRF.sub("", fresh)
    return served


def test_whole_criteria_are_reused_until_something_they_show_changes(app):
    assessment, editor, executive = make_team(locale="en")
    editor_client = client_for(app, editor)
    with app.app_context():
        whole = fragments.articles()
        whole.clear()
    _page(editor_client, assessment)
    first_misses = whole.misses
    assert first_misses >= 5 and whole.size > 0
    _page(editor_client, assessment)
    assert whole.misses == first_misses and whole.hits >= first_misses

    # An answer saved: that criterion is rendered again, and shows it.
    saved = save(editor_client, assessment, "1.1", level=3, narrative="Forum <held> twice")
    assert saved.status_code == 200, saved.get_json()
    page = _same_as_fresh(app, editor_client, assessment)
    assert "Forum &lt;held&gt; twice" in article(page, "1.1")

    # An item cited, then renamed in the library.
    item = make_evidence_item(assessment.lgo, fiscal_year=FY, title="Plan 2569",
                              uploaded_by=editor)
    db.session.commit()
    cited = editor_client.post(f"/assessments/{assessment.id}/responses/1.1/evidence",
                               json={"item_id": item.id})
    assert cited.status_code == 200
    assert "Plan 2569" in article(_same_as_fresh(app, editor_client, assessment), "1.1")
    _page(editor_client, assessment)                       # cached with the old title
    item.title = "Development plan 2569 (revised)"
    db.session.commit()
    page = _same_as_fresh(app, editor_client, assessment)
    assert "Development plan 2569 (revised)" in article(page, "1.1")

    # Submitted: every criterion locks.
    db.session.expire_all()
    answer_all(assessment, actor=editor, today=today_bangkok())
    db.session.commit()
    _page(editor_client, assessment)
    submit_as(app, executive, assessment)
    page = _same_as_fresh(app, editor_client, assessment)
    assert 'class="save"' not in page and "locked" in article(page, "1.1")


def test_a_cached_criterion_carries_the_viewers_own_csrf_token(app):
    """Two members of one LGO see the same criteria; each page's forms carry its own token."""
    assessment, editor, executive = make_team(locale="en")
    with app.app_context():
        fragments.articles().clear()
    first = _page(client_for(app, editor), assessment)
    second = _page(client_for(app, executive), assessment)
    tokens = [set(re.findall(r'name="csrf_token" value="([^"]*)"', page))
              for page in (first, second)]
    assert all(len(found) == 1 for found in tokens) and tokens[0] != tokens[1]
    assert fragments.CSRF_STAND_IN not in first + second


def test_each_language_gets_its_own_parts(thai_app):
    """An English user's view after a Thai user's (same criteria, same LGO type) reads English."""
    thai_assessment, thai_editor, _ = make_team()
    english_assessment, english_editor, _ = make_team(locale="en")
    thai = _page(client_for(thai_app, thai_editor), thai_assessment)
    assert "หลักฐานที่คาดหวัง" in thai and "ระดับที่ได้" in thai
    english = _page(client_for(thai_app, english_editor), english_assessment)
    assert "Expected evidence" in english and "Level reached" in english
    assert "หลักฐานที่คาดหวัง" not in english and "ระดับที่ได้" not in english


def test_a_variant_stays_with_its_lgo_types(app):
    """TST 1.x has a variant for SAOs: a town municipality viewing after an SAO reads the
    criterion's own guidance, not the SAO's."""
    sao, sao_editor, _ = make_team(LgoType.SAO, locale="en")
    town, town_editor, _ = make_team(LgoType.TOWN_MUNICIPALITY, locale="en")
    variant = "Hold a forum in at least 80% of villages"
    sao_page = _page(client_for(app, sao_editor), sao)
    town_page = _page(client_for(app, town_editor), town)
    assert variant in sao_page and "version for" in sao_page
    assert variant not in town_page


def test_template_gettext_keeps_jinjas_new_style_rules():
    class Catalogue:
        def ugettext(self, text):
            return {"Saved %(time)s": "บันทึก %(time)s"}.get(text, text)

        def ungettext(self, singular, plural, n):
            return singular if n == 1 else plural

    class EvalContext:
        def __init__(self, autoescape):
            self.autoescape = autoescape

    found = template_gettext(Catalogue())
    gettext, ngettext = found["_"], found["ngettext"]
    html = EvalContext(True)
    assert gettext(html, "Saved %(time)s", time="<b>") == "บันทึก &lt;b&gt;"
    assert isinstance(gettext(html, "100%% sure"), Markup)
    assert gettext(html, "100%% sure") == "100% sure"           # always a format string
    assert gettext(EvalContext(False), "a & b") == "a & b"
    assert not isinstance(gettext(EvalContext(False), "a & b"), Markup)
    assert ngettext(html, "%(num)s day", "%(num)s days", 3) == "3 days"
    assert ngettext(html, "%(num)s day", "%(num)s days", 1, num="one") == "one day"
