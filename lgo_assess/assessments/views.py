"""The LGO's self-assessment pages: my assessments, the workspace (one form per criterion, saved
by ``static/js/workspace.js`` as JSON or by a plain POST without JavaScript), evidence links, and
submission with its history and withdrawal."""
from __future__ import annotations

from flask import (Blueprint, current_app, flash, jsonify, redirect, render_template, request,
                   url_for)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from lgo_assess.assessments import forms, policies, scoring, services
from lgo_assess.assessments import workspace as ws
from lgo_assess.assessments.fragments import CriterionParts, CriterionUrls
from lgo_assess.assessments.models import (Assessment, Cycle, EvidenceLink, Response,
                                           StatusChange)
from lgo_assess.assessments.states import AssessmentStatus, transitions_from
from lgo_assess.core.db import db
from lgo_assess.core.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from lgo_assess.core.i18n import current_language
from lgo_assess.core.navigation import add_nav_entry
from lgo_assess.core.security import Permission, Role, require
from lgo_assess.core.thaidate import BANGKOK, today_bangkok
from lgo_assess.criteria.models import StandardEdition
from lgo_assess.registry.models import AreaTag, Lgo

bp = Blueprint("assessments", __name__, template_folder="templates", url_prefix="/assessments")

add_nav_entry(_l("My assessments"), "assessments.my_assessments", order=10,
              permission=Permission.EDIT_ASSESSMENT)

LGO_ROLES = (Role.LGO_EDITOR, Role.LGO_EXECUTIVE)


@bp.record_once
def _install_hooks(_state) -> None:
    from lgo_assess.evidence import services as evidence_services
    services.install_evidence_hooks()
    if _citations not in evidence_services.CITATION_PROVIDERS:
        evidence_services.CITATION_PROVIDERS.append(_citations)


def _citations(item) -> list[tuple[str, str]]:
    """Evidence CITATION_PROVIDER: where an item is cited, as (label, workspace link)."""
    return [(_("%(standard)s, criterion %(code)s", standard=assessment.edition.label, code=code),
             url_for("assessments.workspace", assessment_id=assessment.id,
                     _anchor=f"c-{code}"))
            for assessment, code in services.citing_assessments(item)]


def _me():
    return current_user._get_current_object()


def _edition_without_document():
    """The edition row without its (large) document: ``services.edition_of`` builds the typed
    edition once per process and reads the document only then."""
    return joinedload(Assessment.edition).defer(StandardEdition.document)


def get_assessment_for(user, assessment_id: int, *, for_page: bool = True) -> Assessment:
    """The assessment with everything the workspace reads, loaded in a fixed number of queries,
    if ``user`` is a member of its LGO (403 otherwise). ``for_page=False`` (an autosave) leaves
    out what only the page shows: the LGO and the evidence cited. Who saved an answer is not
    loaded: no page shows it but the conflict's payload, which reads it with the answer."""
    if not 0 < assessment_id <= services.MAX_ID:
        raise NotFound()
    options = [joinedload(Assessment.cycle).selectinload(Cycle.extensions),
               _edition_without_document()]
    if for_page:
        options += [joinedload(Assessment.lgo), selectinload(Assessment.responses),
                    selectinload(Assessment.evidence_links).joinedload(EvidenceLink.item)]
    else:
        options.append(selectinload(Assessment.responses))
    assessment = db.session.execute(
        select(Assessment).where(Assessment.id == assessment_id).options(*options)
    ).unique().scalar_one_or_none()
    if assessment is None:
        raise NotFound()
    if not policies.can_edit(user, assessment):
        raise Forbidden(_l("Only the LGO's own staff may open its assessment."))
    return assessment


def _now_label(moment) -> str:
    return moment.astimezone(BANGKOK).strftime("%H:%M") if moment else ""


# -- My assessments --------------------------------------------------------------------------------

def _my_lgos(user) -> list[Lgo]:
    ids = user.lgo_ids_with(*LGO_ROLES)
    if not ids:
        return []
    return list(db.session.scalars(select(Lgo).where(Lgo.id.in_(ids)).options(
        selectinload(Lgo.type_periods)).order_by(Lgo.name_th)))


def _current_cycles(today) -> list[Cycle]:
    """Cycles not yet decided: open, upcoming, or closed for self-assessment but in review."""
    return list(db.session.scalars(select(Cycle).where(Cycle.decision_due >= today).options(
        joinedload(Cycle.edition).defer(StandardEdition.document)
        .joinedload(StandardEdition.standard),
        selectinload(Cycle.extensions)).order_by(Cycle.fiscal_year.desc(), Cycle.id)))


def _cycle_per_standard(cycles: list[Cycle], lgo: Lgo, today) -> list[Cycle]:
    """For each standard, the latest cycle that has opened (else the next to open) of a
    fiscal year the LGO exists in."""
    chosen: dict[int, Cycle] = {}
    for cycle in cycles:
        if not lgo.is_active_in(cycle.fiscal_year):
            continue
        standard_id = cycle.edition.standard_id
        best = chosen.get(standard_id)
        opened = cycle.opens_on <= today
        if best is None:
            chosen[standard_id] = cycle
        elif opened and (best.opens_on > today or cycle.fiscal_year > best.fiscal_year):
            chosen[standard_id] = cycle
        elif not opened and best.opens_on > today and cycle.opens_on < best.opens_on:
            chosen[standard_id] = cycle
    return sorted(chosen.values(), key=lambda c: c.edition.standard.code)


def _previous_assessments(lgo_ids) -> dict[tuple[int, int], list[tuple[int, Assessment]]]:
    """(LGO, standard) → [(fiscal year, assessment)], newest first."""
    rows = db.session.execute(
        select(Assessment, Cycle.fiscal_year, StandardEdition.standard_id)
        .join(Cycle, Assessment.cycle_id == Cycle.id)
        .join(StandardEdition, Assessment.edition_id == StandardEdition.id)
        .where(Assessment.lgo_id.in_(lgo_ids))
        .order_by(Cycle.fiscal_year.desc())).all()
    found: dict[tuple[int, int], list] = {}
    for assessment, fiscal_year, standard_id in rows:
        found.setdefault((assessment.lgo_id, standard_id), []).append((fiscal_year, assessment))
    return found


def previous_assessment(assessments_by_standard, lgo_id, cycle) -> Assessment | None:
    """The LGO's most recent assessment of the same standard in an earlier fiscal year."""
    for fiscal_year, assessment in assessments_by_standard.get(
            (lgo_id, cycle.edition.standard_id), ()):
        if fiscal_year < cycle.fiscal_year:
            return assessment
    return None


@bp.get("/")
@require(Permission.EDIT_ASSESSMENT)
def my_assessments():
    today = today_bangkok()
    lgos = _my_lgos(current_user)
    cycles = _current_cycles(today) if lgos else []
    earlier = _previous_assessments([lgo.id for lgo in lgos]) if lgos else {}
    if lgos and cycles:
        current = db.session.scalars(select(Assessment).where(
            Assessment.lgo_id.in_([lgo.id for lgo in lgos]),
            Assessment.cycle_id.in_([c.id for c in cycles])).options(
                selectinload(Assessment.responses), _edition_without_document())).all()
    else:
        current = []
    by_key = {(a.lgo_id, a.cycle_id): a for a in current}
    groups = []
    for lgo in lgos:
        rows = []
        for cycle in _cycle_per_standard(cycles, lgo, today):
            assessment = by_key.get((lgo.id, cycle.id))
            window = services.window_for(cycle, lgo.id, today)
            due = cycle.due_for(lgo.id)
            card = services.score_card(assessment) if assessment is not None else None
            previous = (previous_assessment(earlier, lgo.id, cycle)
                        if assessment is None else None)
            form = forms.StartAssessmentForm(formdata=None)
            rows.append({"cycle": cycle, "assessment": assessment, "window": window,
                         "due": due, "days_left": (due - today).days, "card": card,
                         "previous": previous, "form": form,
                         "edition": services.edition_of(assessment) if assessment else None})
        groups.append({"lgo": lgo, "rows": rows})
    return render_template("assessments/my_assessments.html", groups=groups, today=today)


@bp.post("/lgos/<int:lgo_id>/cycles/<int:cycle_id>/start")
@require(Permission.EDIT_ASSESSMENT)
def start(lgo_id: int, cycle_id: int):
    if lgo_id not in current_user.lgo_ids_with(*LGO_ROLES):
        raise Forbidden(_l("Only the LGO's own staff may start its assessment."))
    lgo = db.session.get(Lgo, lgo_id)
    cycle = db.session.get(Cycle, cycle_id) if 0 < cycle_id <= services.MAX_ID else None
    if lgo is None or cycle is None:
        raise NotFound()
    previous = previous_assessment(_previous_assessments([lgo.id]), lgo.id, cycle)
    form = forms.StartAssessmentForm()
    form.copy_from.choices = [("", _("An empty assessment"))] + (
        [(str(previous.id), _("Last year's answers and evidence"))] if previous else [])
    if not form.validate():
        flash(_("Choose how to start."), "error")
        return redirect(url_for(".my_assessments"))
    copy_from = previous if previous and form.copy_from.data == str(previous.id) else None
    try:
        assessment = services.start_assessment_from(cycle, lgo, actor=_me(), copy_from=copy_from)
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return redirect(url_for(".my_assessments"))
    db.session.commit()
    flash(_("The assessment is open. Your answers are saved as you type."), "success")
    return redirect(url_for(".workspace", assessment_id=assessment.id))


# -- The workspace ---------------------------------------------------------------------------------

def _area_tag_names() -> dict[str, AreaTag]:
    return {tag.code: tag for tag in db.session.scalars(select(AreaTag))}


def _last_change(assessment: Assessment) -> StatusChange | None:
    if assessment.status == AssessmentStatus.DRAFT:
        return None
    return db.session.scalars(select(StatusChange).where(
        StatusChange.assessment_id == assessment.id).order_by(
            StatusChange.occurred_at.desc(), StatusChange.id.desc()).limit(1)).first()


def _score_context(assessment: Assessment) -> dict:
    edition = services.edition_of(assessment)
    card = services.score_card(assessment)
    return {"edition": edition, "card": card, "gap": scoring.explain_gap(card)}


def _workspace_page(assessment: Assessment, *, status: int = 200, problem: dict | None = None):
    """The workspace. ``problem`` re-shows one criterion as the user sent it, with an error or
    with the version someone else saved (``{"code", "values", "error"?, "theirs"?}``)."""
    today = today_bangkok()
    context = _score_context(assessment)
    edition, card = context["edition"], context["card"]
    editing = ws.editing_for(assessment, today)
    links = services.live_links(assessment)
    sections = ws.sections_for(edition, assessment, card, links, editing,
                                      services.missing_evidence(assessment))
    html = render_template(
        "assessments/workspace.html", assessment=assessment, sections=sections,
        editing=editing, today=today, last_change=_last_change(assessment),
        area_tags=_area_tag_names(), problem=problem, values_of=values_of,
        parts=CriterionParts(services.edition_key(assessment), assessment.lgo_type),
        urls=CriterionUrls(assessment.id),
        library_json_url=_evidence_url("evidence.items_json", assessment),
        upload_url=_evidence_url("evidence.upload", assessment),
        can_submit=policies.can_submit(current_user, assessment),
        missing_count=len(services.completeness(assessment)), **context)
    return html, status


@bp.get("/<int:assessment_id>")
@require(Permission.EDIT_ASSESSMENT)
def workspace(assessment_id: int):
    return _workspace_page(get_assessment_for(current_user, assessment_id))


def _effective(assessment: Assessment, code: str):
    edition = services.edition_of(assessment)
    criterion = edition.criterion(code)
    if criterion is None:
        raise NotFound(_l("Unknown criterion %(code)s.", code=code))
    return edition.effective(criterion, assessment.lgo_type, assessment.area_tags or ())


def _json_problem(error: DomainError):
    body = {"status": error.status, "title": str(error.message)}
    if "current" in error.details:
        body["current"] = error.details["current"]
    return jsonify(body), error.status


def _stored_conflict(assessment_id: int, code: str) -> Conflict:
    """After a race the database caught (two first saves, or two saves of one version): the
    conflict as ``save_response`` would have reported it, with what is stored now."""
    stored = db.session.scalars(select(Response).where(
        Response.assessment_id == assessment_id, Response.criterion_code == code)).first()
    return Conflict(_l("Someone else saved this criterion after you opened it. Compare both "
                       "versions and save again."),
                    current=services.response_payload(stored) if stored else None)


def saved_payload(assessment: Assessment, response: Response) -> dict:
    """What the autosave gets back: the new version and the recomputed score panel."""
    context = _score_context(assessment)
    language = current_language()
    db.session.expire(response, ["updated_by"])   # the id changed, the loaded user did not
    return {
        "criterion_code": response.criterion_code,
        "version": response.version,
        "saved_at": response.updated_at.isoformat(),
        "saved_at_label": _now_label(response.updated_at),
        "state": context["card"].criterion(response.criterion_code).state.value,
        "response": services.response_payload(response),
        "score": ws.panel_data(context["edition"], context["card"], context["gap"],
                                      language),
        "panel_html": render_template("assessments/_score_panel.html", assessment=assessment,
                                      **context),
    }


@bp.post("/<int:assessment_id>/responses/<criterion_code>")
@require(Permission.EDIT_ASSESSMENT)
def save_response(assessment_id: int, criterion_code: str):
    code = criterion_code
    """Save one criterion's answer: JSON in and out for the autosave, a form post and a
    redirect without JavaScript. A stale version gets 409 with the stored answer."""
    wants_json = request.is_json
    assessment = get_assessment_for(current_user, assessment_id, for_page=False)
    values = None
    try:
        effective = _effective(assessment, code)
        if wants_json:
            body = request.get_json(silent=True)
            if not isinstance(body, dict):
                raise Invalid(_l("The answer could not be read."))
            data = forms.answer_from_json(effective.scoring, body)
            version = forms.expected_version(body.get("version"))
        else:
            values = _values_from_form(request.form)
            data = forms.answer_from_form(effective.scoring, request.form)
            version = forms.expected_version(request.form.get("version"))
        try:
            response = services.save_response(assessment, code, data, expected_version=version,
                                              actor=_me())
        except (IntegrityError, StaleDataError):
            db.session.rollback()
            raise _stored_conflict(assessment_id, code) from None
        payload = saved_payload(assessment, response) if wants_json else None
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        if wants_json:
            return _json_problem(error)
        return _refused_form(assessment_id, code, error, values)
    if wants_json:
        return jsonify(payload)
    flash(_("Criterion %(code)s is saved.", code=code), "success")
    return redirect(url_for(".workspace", assessment_id=assessment_id, _anchor=f"c-{code}"))


def _values_from_form(form) -> dict:
    """What the user sent, as the criterion form shows it again."""
    return {"level": form.get("level", ""), "checked": form.getlist("checked"),
            "checked_none": bool(form.get("checked_none")), "value": form.get("value", ""),
            "yes": form.get("yes", ""), "is_not_applicable": bool(form.get("is_not_applicable")),
            "not_applicable_reason": form.get("not_applicable_reason", ""),
            "narrative": form.get("narrative", "")}


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def values_of(response: Response | None) -> dict:
    """A stored answer as the criterion form shows it."""
    if response is None:
        return {"level": "", "checked": [], "checked_none": False, "value": "", "yes": "",
                "is_not_applicable": False, "not_applicable_reason": "", "narrative": ""}
    return {"level": "" if response.level is None else str(response.level),
            "checked": response.checked or [], "checked_none": response.checked == [],
            "value": "" if response.value is None else _number_text(response.value),
            "yes": "" if response.yes is None else ("yes" if response.yes else "no"),
            "is_not_applicable": response.is_not_applicable,
            "not_applicable_reason": response.not_applicable_reason or "",
            "narrative": response.narrative or ""}


def _refused_form(assessment_id: int, code: str, error: DomainError, values: dict | None):
    """The page without JavaScript: the workspace again, the criterion as the user sent it and
    why it was refused; after a conflict, their version beside it and the new version in the
    form, so "keep mine" is one more click on Save."""
    if isinstance(error, NotFound) or values is None:
        raise error
    assessment = get_assessment_for(current_user, assessment_id)
    problem = {"code": code, "values": values, "error": str(error.message)}
    if isinstance(error, Conflict):
        problem["theirs"] = error.details.get("current")
    return _workspace_page(assessment, status=error.status, problem=problem)


# -- Evidence links --------------------------------------------------------------------------------

def _evidence_url(endpoint: str, assessment: Assessment) -> str | None:
    """A page of the LGO's evidence library for the assessment's fiscal year."""
    if endpoint not in current_app.view_functions:
        return None
    return url_for(endpoint, lgo_id=assessment.lgo_id, fy=assessment.cycle.fiscal_year)


def _links_fragment(assessment: Assessment, code: str) -> str:
    editing = ws.editing_for(assessment, today_bangkok())
    links = [link for link in services.live_links(assessment) if link.criterion_code == code]
    return render_template("assessments/_links.html", assessment=assessment, code=code,
                           links=links, editable=editing.allows(code))


def _item_id() -> int:
    raw = (request.get_json(silent=True) or {}).get("item_id") if request.is_json \
        else request.form.get("item_id")
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise Invalid(_l("Choose an item of the evidence library.")) from None


def _link_change(assessment_id: int, code: str, change):
    wants_json = request.is_json
    assessment = get_assessment_for(current_user, assessment_id, for_page=False)
    try:
        item_id = _item_id()
        change(assessment, code, item_id, actor=_me())
        fragment = _links_fragment(assessment, code) if wants_json else None
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        if wants_json:
            return _json_problem(error)
        flash(str(error.message), "error")
        return redirect(url_for(".evidence_picker", assessment_id=assessment_id,
                                criterion_code=code))
    if wants_json:
        return jsonify({"criterion_code": code, "links_html": fragment})
    flash(_("The evidence of criterion %(code)s is updated.", code=code), "success")
    return redirect(url_for(".workspace", assessment_id=assessment_id, _anchor=f"c-{code}"))


@bp.post("/<int:assessment_id>/responses/<criterion_code>/evidence")
@require(Permission.EDIT_ASSESSMENT)
def link_evidence(assessment_id: int, criterion_code: str):
    code = criterion_code
    return _link_change(assessment_id, code, services.link_evidence)


@bp.post("/<int:assessment_id>/responses/<criterion_code>/evidence/unlink")
@require(Permission.EDIT_ASSESSMENT)
def unlink_evidence(assessment_id: int, criterion_code: str):
    code = criterion_code
    return _link_change(assessment_id, code, services.unlink_evidence)


@bp.get("/<int:assessment_id>/responses/<criterion_code>/evidence")
@require(Permission.EDIT_ASSESSMENT)
def evidence_picker(assessment_id: int, criterion_code: str):
    code = criterion_code
    """Without JavaScript: the library of the LGO's fiscal year, to cite items one by one."""
    assessment = get_assessment_for(current_user, assessment_id)
    effective = _effective(assessment, code)
    cited = {link.evidence_item_id for link in services.live_links(assessment)
             if link.criterion_code == code}
    items = services.library_items(assessment)
    editing = ws.editing_for(assessment, today_bangkok())
    return render_template("assessments/evidence_picker.html", assessment=assessment,
                           effective=effective, items=items, cited=cited,
                           editable=effective.applicable and editing.allows(code),
                           library_url=_evidence_url("evidence.library", assessment))


# -- Submission ------------------------------------------------------------------------------------

def _history(assessment: Assessment) -> list[StatusChange]:
    return list(db.session.scalars(select(StatusChange).where(
        StatusChange.assessment_id == assessment.id).options(
            joinedload(StatusChange.actor)).order_by(StatusChange.occurred_at,
                                                     StatusChange.id)))


def _submit_page(assessment: Assessment, *, form=None, withdraw_form=None, status: int = 200):
    context = _score_context(assessment)
    missing = services.completeness(assessment)
    return render_template(
        "assessments/submit.html", assessment=assessment, missing=missing,
        missing_evidence=services.missing_evidence(assessment),
        effective={e.code: e for e in context["edition"].criteria_for(
            assessment.lgo_type, assessment.area_tags or ())},
        evidence_count=len({link.evidence_item_id for link in services.live_links(assessment)}),
        history=_history(assessment), form=form or forms.SubmitForm(formdata=None),
        withdraw_form=withdraw_form or forms.WithdrawForm(formdata=None),
        can_submit=policies.can_submit(current_user, assessment),
        window=services.window_for(assessment.cycle, assessment.lgo_id, today_bangkok()),
        can_withdraw=(policies.can_submit(current_user, assessment)
                      and assessment.status != AssessmentStatus.DRAFT
                      and any(t.name == "withdraw" for t in transitions_from(assessment.status))),
        **context), status


@bp.get("/<int:assessment_id>/history")
@require(Permission.EDIT_ASSESSMENT)
def history(assessment_id: int):
    """Every audited change to the dossier, newest first, from the audit log."""
    from lgo_assess.assessments.history import LIMIT, dossier_history
    assessment = get_assessment_for(current_user, assessment_id)
    return render_template("assessments/history.html", assessment=assessment,
                           entries=dossier_history(assessment), limit=LIMIT)


@bp.route("/<int:assessment_id>/submit", methods=["GET", "POST"])
@require(Permission.EDIT_ASSESSMENT)
def submit(assessment_id: int):
    """What is missing, or a summary and the executive's confirmation; after submission the
    status history and withdrawal."""
    assessment = get_assessment_for(current_user, assessment_id)
    if request.method == "GET":
        return _submit_page(assessment)
    if not policies.can_submit(current_user, assessment):
        raise Forbidden(_l("Only the LGO's executive may submit its assessment."))
    form = forms.SubmitForm()
    if not form.validate():
        return _submit_page(assessment, form=form, status=422)
    try:
        services.submit(assessment, actor=_me())
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return _submit_page(get_assessment_for(current_user, assessment_id), form=form,
                            status=error.status)
    db.session.commit()
    flash(_("The assessment is submitted. The provincial office will screen it."), "success")
    return redirect(url_for(".submit", assessment_id=assessment_id))


@bp.post("/<int:assessment_id>/withdraw")
@require(Permission.SUBMIT_ASSESSMENT)
def withdraw(assessment_id: int):
    assessment = get_assessment_for(current_user, assessment_id)
    form = forms.WithdrawForm()
    if not form.validate():
        return _submit_page(assessment, withdraw_form=form, status=422)
    try:
        services.transition(assessment, AssessmentStatus.WITHDRAWN, actor=_me(),
                            reason=form.reason.data)
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return _submit_page(get_assessment_for(current_user, assessment_id),
                            withdraw_form=form, status=error.status)
    db.session.commit()
    flash(_("The assessment is withdrawn."), "success")
    return redirect(url_for(".submit", assessment_id=assessment_id))
