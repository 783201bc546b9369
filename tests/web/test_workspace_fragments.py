"""The workspace's criterion parts rendered once per process (assessments/fragments.py): reused
views are identical to fresh ones, and languages, LGO types and applications never share a part."""
from __future__ import annotations

import re

from markupsafe import Markup

from lgo_assess.assessments import fragments
from lgo_assess.core.i18n import template_gettext
from lgo_assess.registry.models import LgoType
from tests.web.workspace_helpers import client_for, make_team

CSRF = re.compile(r'name="csrf[-_]token" (value|content)="[^"]*"')


def _page(client, assessment) -> str:
    response = client.get(f"/assessments/{assessment.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_second_view_reuses_every_part_and_reads_the_same(app):
    assessment, editor, _ = make_team(locale="en")
    client = client_for(app, editor)
    with app.app_context():
        parts = fragments.cache()
        parts.clear()
    first = _page(client, assessment)
    rendered = parts.misses
    assert rendered > 0 and len(parts) == rendered
    second = _page(client, assessment)
    assert parts.misses == rendered                  # nothing rendered again
    assert parts.hits >= rendered
    assert CSRF.sub("", first) == CSRF.sub("", second)
    assert "Level reached" in second and "Expected evidence" in second


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
