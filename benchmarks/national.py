"""The national data set every page benchmark runs over: the synthetic registry of 7,850 LGOs,
the five shipped standards, ten fiscal years (2561-2570) of cycles, assessments, decisions and
certificates, and full criterion responses with evidence for the two latest years.

``build(url, seed)`` wipes the database at ``url`` (its name must contain "bench" or "test"),
migrates it and fills it; the same seed gives the same rows. Reference data goes through the
app's services (registry synthesis, criteria import and publication, the KPI catalogue, users);
the volume (assessments, responses, evidence, decisions, certificates) is generated here and
written in bulk, straight to the tables (``executemany`` on SQLite, ``COPY`` on PostgreSQL),
with the figures the services would have stored: self-scores from the app's own scoring of the
stored answers, certificates signed over the same facts ``certification.services`` prints,
gap-free numbers with their counters. The KPI summary is then rebuilt by ``summary.
rebuild_summary`` (what ``flask kpi rebuild`` runs), so the dashboards read what the app would.

The model of what happened (plausible, not a census):

- 2561-2568: each LGO and standard enters the scheme in its own year (one pair in five never
  does), renews when its certificate runs out (every 2-3 years, the edition's validity), and
  tries again the year after a rejection; about one assessment in six is rejected;
- 2569 (last year, closed): every active LGO self-assessed every standard; those that missed
  the deadline stay drafts, the rest were decided on their score (approved at the level they
  reached, most of those that reached none rejected, a few withdrawn);
- 2570 (the current year, open; its window is placed around today so the workspace and the
  autosave are editable whenever the benchmark runs): every active LGO has started every
  standard: most are drafts at various stages of completion, the rest are in the review flow.

The shipped editions serve 2569 only; the history cycles reuse them (as an import of earlier
results would have to), so every assessment has an edition the workspace can render.
"""
from __future__ import annotations

import base64
import functools
import hashlib
import json
import random
import tempfile
import time as clock
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

from benchmarks.harness import rebuild_database

PASSWORD = "national bench password"       # every benchmark user's
HISTORY = tuple(range(2561, 2569))
LAST, CURRENT = 2569, 2570
STANDARDS = ("DGO", "DLC", "GGL", "L40", "SEP")
QUALITIES = (0.3, 0.45, 0.6, 0.7, 0.8, 0.9)  # answer patterns: how well an LGO does
EVIDENCE_PER_LGO_YEAR = 6
LINK_EVERY = 3                             # one answered criterion in three cites evidence
MEASURED_PROVINCE = "30"                   # Nakhon Ratchasima: the most LGOs, the worst page
MEASURED_STANDARD = "GGL"                  # the longest edition (39 criteria)
MEASURED_LGOS = 3
QUICK_PROVINCES = ("30", "10", "50", "90")  # quick runs: assessments in these provinces only
BANGKOK_TZ = timezone(timedelta(hours=7))


@dataclass
class Dataset:
    app: object
    url: str
    dialect: str
    seed: int
    quick: bool
    counts: dict[str, int]
    phases: dict[str, float]
    build_seconds: float
    people: dict[str, str]                 # role name → e-mail (password PASSWORD)
    province_code: str
    workspaces: list[int]                  # the measured editors' current GGL assessments
    editor_of: dict[int, str]              # assessment id → its editor's e-mail
    notes: list[str] = field(default_factory=list)


def make_app(url: str, scratch: Path, keys_dir: Path):
    from lgo_assess import create_app
    from lgo_assess.config import _database_url
    scratch.mkdir(parents=True, exist_ok=True)
    return create_app({
        "TESTING": False,
        "SECRET_KEY": "bench-secret",
        "INSTANCE_DIR": scratch,
        "SQLALCHEMY_DATABASE_URI": _database_url(url, scratch),
        "EVIDENCE_DIR": scratch / "evidence",
        "KEYS_DIR": keys_dir,
        "WTF_CSRF_ENABLED": False,          # the test client posts without a token
        "CLI_LANGUAGE": "en",
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "DEMO_KPI_HISTORY": False,
    })


# -- Answers and their scores ---------------------------------------------------------------------

def _answer(effective, quality: float, jitter: float):
    """An answer that fits the criterion, about as good as ``quality`` (0-1)."""
    from lgo_assess.criteria.edition import (ScoringChecklist, ScoringLevel, ScoringNumeric,
                                             ScoringYesNo)
    q = min(1.0, max(0.0, quality + jitter))
    scoring = effective.scoring
    if isinstance(scoring, ScoringLevel):
        values = scoring.scale.values
        return {"level": values[min(len(values) - 1, int(q * len(values)))]}
    if isinstance(scoring, ScoringChecklist):
        items = [item.code for item in scoring.items]
        return {"checked": items[:round(q * len(items))]}
    if isinstance(scoring, ScoringNumeric):
        span = scoring.max - scoring.min
        value = scoring.min + (q if scoring.higher_is_better else 1 - q) * span
        return {"value": round(value, 2)}
    if isinstance(scoring, ScoringYesNo):
        return {"yes": q >= 0.4}
    raise ValueError(f"unknown scoring {scoring!r}")


class Patterns:
    """Answer sets per (edition, LGO type, area tags, quality, share answered), scored once by
    the app's own scoring, so every generated assessment's figures are what the app computes."""

    def __init__(self, editions):
        self.editions = editions               # code → (edition id, Edition)
        self._cache = {}

    def get(self, standard: str, lgo_type: str, tags: tuple, quality: float, share: float):
        key = (standard, lgo_type, tags, quality, share)
        if key not in self._cache:
            from lgo_assess.assessments import scoring
            edition = self.editions[standard][1]
            rng = random.Random(repr(key))
            answers = []
            applicable = [e for e in edition.criteria_for(lgo_type, tags) if e.applicable]
            cut = round(share * len(applicable))
            for effective in applicable[:cut]:
                answers.append((effective.code, _answer(effective, quality,
                                                        rng.uniform(-0.2, 0.2))))
            card = scoring.score(edition, lgo_type, tags, {
                code: scoring.Answer.from_mapping(a) for code, a in answers})
            self._cache[key] = (answers, card)
        return self._cache[key]


# -- Generation -----------------------------------------------------------------------------------

def _ce(fy: int) -> int:
    return fy - 543


@functools.lru_cache(maxsize=None)
def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=BANGKOK_TZ).astimezone(timezone.utc)


def _token(rng: random.Random) -> str:
    return base64.b32encode(rng.getrandbits(128).to_bytes(16, "big")).decode().rstrip("=").lower()


class Tables:
    """Rows per table (tuples, in the column order of the table's first row), with explicit
    ids, in insertion order."""

    def __init__(self):
        self.rows: dict[str, list[tuple]] = defaultdict(list)
        self.columns: dict[str, tuple[str, ...]] = {}
        self.next_id: dict[str, int] = defaultdict(lambda: 1)
        self.measured: list[tuple[int, str]] = []     # (assessment id, editor e-mail)

    def add(self, table: str, **row) -> int:
        if "id" not in row:
            row["id"] = self.next_id[table]
            self.next_id[table] += 1
        columns = self.columns.setdefault(table, tuple(row))
        if len(columns) != len(row):
            raise ValueError(f"{table}: columns {tuple(row)} differ from {columns}")
        self.rows[table].append(tuple(row.values()))
        return row["id"]

    def extend(self, other: "Tables") -> None:
        for name, rows in other.rows.items():
            self.columns.setdefault(name, other.columns[name])
            self.rows[name].extend(rows)
        self.measured += other.measured


def _history_outcome(rng_seed: str, fy: int, cadence: int, memo: dict):
    """What happened to one LGO and standard in a past year: ("approved", level index),
    ("rejected", 0) or None."""
    if fy in memo:
        return memo[fy]
    rng = random.Random(rng_seed)
    start = 2561 + rng.randrange(8)
    never = rng.random() < 0.2
    result = None
    if not never and fy >= start:
        previous = _history_outcome(rng_seed, fy - 1, cadence, memo) if fy > start else None
        due = fy == start or previous == ("rejected", 0) or (fy - start) % cadence == 0
        if due:
            pick = random.Random(f"{rng_seed}:{fy}").random()
            result = ("rejected", 0) if pick < 0.16 else ("approved", int(pick * 1000) % 3)
    memo[fy] = result
    return result


def generate(ref, seed: int, quick: bool, today: date) -> Tables:
    """Every bulk row of the data set from the reference data ``ref`` (read from the database
    after the services wrote it)."""
    from lgo_assess.certification import services as certification
    from lgo_assess.certification.signing import KeyDirectory
    t = Tables()
    signer = KeyDirectory(ref.keys_dir).signer()
    patterns = Patterns(ref.editions)
    admin, approver, assessor = ref.users["admin"], ref.users["approver"], ref.users["assessor"]
    counters: dict[tuple[str, int], int] = defaultdict(int)

    # Cycles: one per standard and year; the current one open around today.
    cycles = {}
    for code in STANDARDS:
        edition_id = ref.editions[code][0]
        for fy in HISTORY + (LAST, CURRENT):
            if fy == CURRENT:
                opens = min(today - timedelta(days=30), date(_ce(fy) - 1, 11, 1))
                due = today + timedelta(days=120)
                dates = (opens, due, due + timedelta(days=60), due + timedelta(days=120))
            else:
                y = _ce(fy)
                dates = (date(y - 1, 11, 1), date(y, 3, 31), date(y, 6, 30), date(y, 8, 31))
            cycles[(code, fy)] = t.add(
                "cycles", edition_id=edition_id, fiscal_year=fy, opens_on=dates[0],
                self_assessment_due=dates[1], review_due=dates[2], decision_due=dates[3],
                created_at=_at(dates[0] - timedelta(days=20)), created_by_id=admin)

    def decide(assessment_id, lgo, code, fy, outcome, level, score, decided_on):
        counters[("decision", fy)] += 1
        reference = f"DLA-{fy}-{counters[('decision', fy)]:06d}"
        approved = outcome == "approved"
        t.add("recommendations", assessment_id=assessment_id,
              outcome="pass" if approved else "fail", result_level_code=level if approved
              else None, computed_result_code=level if approved else None,
              computed_percent=score, is_flagged_to_dla=False, justification=None,
              recommended_by_id=assessor, recommended_at=_at(decided_on - timedelta(days=20)))
        decision_id = t.add(
            "decisions", assessment_id=assessment_id, reference=reference, outcome=outcome,
            reason=None if approved else "Below the pass level on the evidence reviewed.",
            result_level_code=level if approved else None, computed_level_code=level,
            score_percent=score, was_flagged=False, is_bulk=False, decided_by_id=approver,
            decided_at=_at(decided_on), revoked_at=None)
        if not approved:
            return
        edition_id, edition = ref.editions[code]
        counters[(f"certificate:{code}", fy)] += 1
        serial = f"{code}-{fy}-{counters[(f'certificate:{code}', fy)]:06d}"
        valid_until = certification.add_months(decided_on, edition.certificate_validity_months)
        token = _token(rng)
        result = edition.result.level(level)
        standard = ref.standards[code]
        facts = {
            "format": ref.payload_format, "serial": serial, "lgo_code": lgo.dla_code,
            "lgo_name_th": lgo.name_th, "lgo_name_en": lgo.name_en or "",
            "location_th": lgo.location[0], "location_en": lgo.location[1],
            "standard_code": code, "standard_name_th": standard[0],
            "standard_name_en": standard[1], "edition": edition.code, "fiscal_year": fy,
            "level_code": level, "level_th": result.label.th,
            "level_en": result.label.en or result.label.th, "issued_on": decided_on,
            "valid_until": valid_until, "decision_ref": reference, "supersedes": None,
            "verify_token": token}
        signed = signer.sign(facts)
        t.add("certificates", serial=serial, decision_id=decision_id,
              assessment_id=assessment_id, lgo_id=lgo.id, edition_id=edition_id,
              standard_code=code, fiscal_year=fy, result_level_code=level, issued_on=decided_on,
              valid_until=valid_until, status="valid", revoked_at=None, revocation_reason=None,
              supersedes_id=None, superseded_by_id=None, superseded_at=None,
              correction_reason=None, verification_token=token,
              payload=signed.payload.decode("utf-8"), payload_sha256=signed.sha256,
              signature=signed.signature, key_id=signed.kid, issued_by_id=approver,
              created_at=_at(decided_on))

    def assessment(code, fy, lgo, status, *, score=None, result=None, answered=0,
                   applicable=0, submitted_on=None, created_on):
        return t.add(
            "assessments", cycle_id=cycles[(code, fy)], lgo_id=lgo.id,
            edition_id=ref.editions[code][0], lgo_type=lgo.types[fy], area_tags=list(lgo.tags),
            status=status, version=1, self_score_percent=score, self_result_code=result,
            answered_count=answered, applicable_count=applicable, created_at=_at(created_on),
            updated_at=_at(submitted_on or created_on),
            submitted_at=_at(submitted_on) if submitted_on else None,
            submitted_by_id=admin if submitted_on else None, started_from_id=None)

    def responses(assessment_id, answers, items, on, editor=None):
        for index, (code, answer) in enumerate(answers):
            t.add("responses", assessment_id=assessment_id, criterion_code=code,
                  level=answer.get("level"), checked=answer.get("checked"),
                  value=answer.get("value"), yes=answer.get("yes"), is_not_applicable=False,
                  not_applicable_reason=None, narrative="", version=1, updated_at=_at(on),
                  updated_by_id=editor)
            if items and (editor or index % LINK_EVERY == 0):
                for item in (items[index % len(items)],) + (
                        (items[(index + 1) % len(items)],) if editor else ()):
                    t.add("evidence_links", assessment_id=assessment_id, criterion_code=code,
                          evidence_item_id=item, linked_by_id=editor or admin,
                          linked_at=_at(on))

    def changes(assessment_id, steps, on):
        for transition, source, target in steps:
            t.add("status_changes", assessment_id=assessment_id, from_status=source,
                  to_status=target, transition=transition, actor_id=admin, reason=None,
                  occurred_at=_at(on))

    rng = random.Random(f"national:{seed}")
    in_scope = [lgo for lgo in ref.lgos if not quick or lgo.province_code in QUICK_PROVINCES]
    measured = {lgo.id: email for lgo, email in ref.measured}
    for lgo in in_scope:
        for s_index, code in enumerate(STANDARDS):
            edition = ref.editions[code][1]
            cadence = max(1, edition.certificate_validity_months // 12)
            memo: dict = {}
            pair = f"{seed}:{lgo.id}:{code}"
            for fy in HISTORY:
                if fy not in lgo.types:
                    continue
                happened = _history_outcome(pair, fy, cadence, memo)
                if happened is None:
                    continue
                outcome, level_index = happened
                y = _ce(fy)
                level = [lv.code for lv in edition.result.levels][level_index] \
                    if outcome == "approved" else None
                score = 60.0 + 12 * level_index + rng.random() * 8 if level else \
                    35.0 + rng.random() * 20
                submitted = date(y, 3, 20) + timedelta(days=rng.randrange(15))
                final = "approved" if level else "rejected"
                a_id = assessment(code, fy, lgo, final, score=round(score, 4), result=level,
                                  submitted_on=submitted, created_on=date(y - 1, 12, 1))
                decide(a_id, lgo, code, fy, outcome, level, round(score, 4),
                       date(y, 7, 1) + timedelta(days=rng.randrange(28)))
            for fy in (LAST, CURRENT):
                if fy not in lgo.types:
                    continue
                items = lgo.items.get(fy, [])
                quality = QUALITIES[rng.randrange(len(QUALITIES))]
                editor = measured.get(lgo.id) if fy == CURRENT and code == MEASURED_STANDARD \
                    else None
                roll = rng.random()
                if fy == LAST:
                    y = _ce(fy)
                    share = 1.0 if roll >= 0.08 else 0.6
                else:
                    share = 1.0 if roll >= 0.65 or editor else (0.25, 0.5, 0.75)[int(roll * 30) % 3]
                answers, card = patterns.get(code, lgo.types[fy], lgo.tags, quality, share)
                score = round(card.overall_percent, 4)
                result = card.result_level.code if card.result_level else None
                figures = dict(score=score, result=result, answered=card.answered_count,
                               applicable=card.applicable_count)
                if fy == LAST:
                    created = date(y - 1, 11, 20) + timedelta(days=rng.randrange(40))
                    if share < 1.0:                     # missed the deadline
                        a_id = assessment(code, fy, lgo, "draft", created_on=created, **figures)
                        responses(a_id, answers, items, created + timedelta(days=30))
                        continue
                    submitted = date(y, 3, 10) + timedelta(days=rng.randrange(21))
                    decided = date(y, 7, 1) + timedelta(days=rng.randrange(28))
                    if roll > 0.98:
                        status = "withdrawn"
                    elif result and roll < 0.92:
                        status = "approved"
                    else:
                        status = "rejected"
                    a_id = assessment(code, fy, lgo, status, submitted_on=submitted,
                                      created_on=created, **figures)
                    responses(a_id, answers, items, submitted - timedelta(days=2))
                    changes(a_id, [("submit", "draft", "submitted")], submitted)
                    if status == "withdrawn":
                        changes(a_id, [("withdraw", "submitted", "withdrawn")], submitted)
                        continue
                    changes(a_id, [("recommend", "reviewed", "recommended"),
                                   ("approve" if status == "approved" else "reject",
                                    "recommended", status)], decided)
                    decide(a_id, lgo, code, fy, status if status == "approved" else "rejected",
                           result if status == "approved" else None, score, decided)
                else:
                    created = today - timedelta(days=1 + rng.randrange(25))
                    if editor or share < 1.0 or roll < 0.75:
                        status, submitted = "draft", None
                    else:
                        status = ("submitted", "submitted", "accepted", "in_review",
                                  "returned")[int(roll * 1000) % 5]
                        submitted = min(today, created + timedelta(days=3))
                    a_id = assessment(code, fy, lgo, status, submitted_on=submitted,
                                      created_on=created, **figures)
                    responses(a_id, answers, items, submitted or today - timedelta(days=1),
                              editor=ref.user_ids.get(editor))
                    if submitted:
                        steps = [("submit", "draft", "submitted")]
                        if status in ("accepted", "in_review"):
                            steps.append(("accept", "submitted", "accepted"))
                        if status == "in_review":
                            steps.append(("assign", "accepted", "in_review"))
                        if status == "returned":
                            steps.append(("return", "submitted", "returned"))
                        changes(a_id, steps, submitted)
                    if editor:
                        t.measured.append((a_id, editor))
    for (series, fy), last in sorted(counters.items()):
        t.add("number_counters", series=series, fiscal_year=fy, last_value=last, id=None)
    return t


def _evidence_items(t: Tables, ref, quick: bool) -> None:
    """A small library per LGO and year (links: no file bytes to store)."""
    for lgo in ref.lgos:
        if quick and lgo.province_code not in QUICK_PROVINCES:
            continue
        for fy in (LAST, CURRENT):
            if fy not in lgo.types:
                continue
            day = date(_ce(fy) - 1, 11, 15)
            ids = []
            for k in range(EVIDENCE_PER_LGO_YEAR):
                ids.append(t.add(
                    "evidence_items", lgo_id=lgo.id, fiscal_year=fy, kind="url",
                    title=f"เอกสารประกอบ {lgo.dla_code}-{fy}-{k + 1}", description=None,
                    sha256=None, original_filename=None, content_type=None, size_bytes=None,
                    url=f"https://www.example.go.th/{lgo.dla_code}/{fy}/{k + 1}",
                    accessed_on=day, note=None, uploaded_by_id=ref.users["admin"],
                    created_at=_at(day), updated_at=None, deleted_at=None, deleted_by_id=None,
                    version=1))
            lgo.items[fy] = ids


# -- Reference data through the services ----------------------------------------------------------

def _reference(app, seed: int) -> tuple[SimpleNamespace, dict[str, float]]:
    from sqlalchemy import func, select

    from lgo_assess.accounts import services as accounts
    from lgo_assess.certification.signing import PAYLOAD_FORMAT, KeyDirectory
    from lgo_assess.core.db import db
    from lgo_assess.core.security import Role
    from lgo_assess.criteria import services as criteria
    from lgo_assess.criteria.loader import load_library
    from lgo_assess.criteria.models import Standard, StandardEdition
    from lgo_assess.kpi import services as kpi
    from lgo_assess.kpi.models import KpiLgoYear
    from lgo_assess.registry import services as registry
    from lgo_assess.registry.models import District, Lgo, Province, lgo_area_tags, AreaTag

    phases = {}
    started = clock.perf_counter()
    registry.synthesize_registry(app.config["GEOGRAPHY_DIR"], seed=seed)
    kpi.import_catalogue(kpi.load_catalogue(kpi.default_catalogue_path()))
    criteria_dir = Path(app.config["CRITERIA_DIR"])
    for loaded in load_library([criteria_dir]).editions:
        result = criteria.import_edition(loaded, source_path=str(
            Path(loaded.path).relative_to(criteria_dir.parent)))
        criteria.publish_edition(result.edition)
    db.session.commit()                         # the LGO-year summary is rebuilt here
    phases["registry, criteria, KPI catalogue (services)"] = clock.perf_counter() - started

    started = clock.perf_counter()
    people = {}

    def person(name, role, **scope):
        user = accounts.create_user(f"bench-{name}@example.go.th", f"Bench {name}", PASSWORD,
                                    hash_method="pbkdf2:sha256:1000", locale="en")
        accounts.grant_role(user, role, **scope)
        people[name] = user
        return user

    province = db.session.execute(select(Province).where(
        Province.code == MEASURED_PROVINCE)).scalar_one()
    person("admin", Role.DLA_ADMIN)
    person("approver", Role.DLA_APPROVER)
    person("assessor", Role.ASSESSOR)
    person("officer", Role.PROVINCIAL_OFFICER, province=province)
    measured_lgos = list(db.session.execute(
        select(Lgo).where(Lgo.province_id == province.id).order_by(Lgo.dla_code)
        .limit(MEASURED_LGOS)).scalars())
    measured = []
    for index, lgo in enumerate(measured_lgos):
        editor = person(f"editor{index + 1}", Role.LGO_EDITOR, lgo=lgo)
        measured.append((lgo.id, editor.email))
    db.session.commit()

    keys = KeyDirectory(app.config["KEYS_DIR"])
    keys.active_kid() or keys.generate()
    editions = {}
    standards = {}
    for code, row in db.session.execute(
            select(Standard.code, StandardEdition).join(StandardEdition.standard)):
        editions[code] = (row.id, row.to_edition())
        standards[code] = (row.standard.name_th, row.standard.name_en)

    provinces = {p.id: p for p in db.session.execute(select(Province)).scalars()}
    districts = {d.id: d for d in db.session.execute(select(District)).scalars()}
    tags = defaultdict(list)
    for lgo_id, tag in db.session.execute(
            select(lgo_area_tags.c.lgo_id, AreaTag.code)
            .join(AreaTag, AreaTag.id == lgo_area_tags.c.area_tag_id)):
        tags[lgo_id].append(tag)
    types = defaultdict(dict)
    for lgo_id, fy, lgo_type in db.session.execute(
            select(KpiLgoYear.lgo_id, KpiLgoYear.fiscal_year, KpiLgoYear.lgo_type)):
        types[lgo_id][fy] = str(lgo_type)
    from lgo_assess.certification.services import location_texts
    lgos = []
    for lgo_id, dla_code, name_th, name_en, province_id, district_id in db.session.execute(
            select(Lgo.id, Lgo.dla_code, Lgo.name_th, Lgo.name_en, Lgo.province_id,
                   Lgo.district_id).order_by(Lgo.id)):
        p = provinces[province_id]
        place = SimpleNamespace(province=p, district=districts.get(district_id))
        lgos.append(SimpleNamespace(
            id=lgo_id, dla_code=dla_code, name_th=name_th, name_en=name_en,
            province_code=p.code, location=location_texts(place),
            tags=tuple(sorted(tags.get(lgo_id, ()))), types=types.get(lgo_id, {}), items={}))
    user_ids = {u.email: u.id for u in people.values()}
    ref = SimpleNamespace(
        keys_dir=app.config["KEYS_DIR"], editions=editions, standards=standards, lgos=lgos,
        users={name: u.id for name, u in people.items()}, user_ids=user_ids,
        emails={name: u.email for name, u in people.items()},
        measured=[(next(lg for lg in lgos if lg.id == i), e) for i, e in measured],
        payload_format=PAYLOAD_FORMAT,
        fingerprint=hashlib.sha256(repr((
            [(lg.id, lg.dla_code, lg.types) for lg in lgos], sorted(user_ids.items()),
            sorted((c, e[0]) for c, e in editions.items()))).encode()).hexdigest(),
        lgo_count=db.session.execute(select(func.count(Lgo.id))).scalar_one())
    phases["users and reference reads"] = clock.perf_counter() - started
    return ref, phases


# -- Writing in bulk ------------------------------------------------------------------------------

ORDER = ("cycles", "evidence_items", "assessments", "responses", "evidence_links",
         "status_changes", "recommendations", "decisions", "certificates", "number_counters")


def _converter(values: list, dialect: str):
    """How one column's Python values become what the driver takes, or None when they pass as
    they are. Timestamps and JSON repeat a lot (one per day, shared answer lists): memoised."""
    sample = next((v for v in values if v is not None), None)
    memo: dict = {}
    if isinstance(sample, datetime):
        if dialect == "postgresql":
            def convert(v):
                return v.astimezone(timezone.utc).replace(tzinfo=None)
        else:
            def convert(v):
                return v.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")
    elif isinstance(sample, date) and dialect == "sqlite":
        convert = date.isoformat
    elif isinstance(sample, (list, dict)):
        def convert(v):
            return json.dumps(v, ensure_ascii=False)
    else:
        return None

    def memoised(v):
        if v is None:
            return None
        key = id(v) if isinstance(v, (list, dict)) else v
        hit = memo.get(key)
        if hit is None:
            hit = memo[key] = convert(v)
        return hit
    return memoised


def _columns(rows: list[tuple], indexes: list[int], dialect: str) -> list[tuple]:
    data = []
    for i in indexes:
        values = [row[i] for row in rows]
        convert = _converter(values, dialect)
        data.append(values if convert is None else list(map(convert, values)))
    return list(zip(*data))


def write(engine, tables: Tables) -> dict[str, float]:
    """Insert every generated table in one transaction; per-table seconds."""
    from sqlalchemy import text
    seconds = {}
    with engine.begin() as connection:
        dialect = connection.dialect.name
        raw = connection.connection.dbapi_connection
        if dialect == "sqlite":
            connection.exec_driver_sql("PRAGMA cache_size=-262144")   # 256 MB for the load
        for name in ORDER:
            rows = tables.rows.get(name)
            if not rows:
                continue
            started = clock.perf_counter()
            names = tables.columns[name]
            indexes = [i for i, c in enumerate(names) if not (c == "id" and rows[0][i] is None)]
            columns = [names[i] for i in indexes]
            if dialect == "postgresql":
                cursor = raw.cursor()
                with cursor.copy(f"COPY {name} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in _columns(rows, indexes, dialect):
                        copy.write_row(row)
                cursor.close()
            else:
                sql = (f"INSERT INTO {name} ({', '.join(columns)}) "
                       f"VALUES ({', '.join('?' * len(columns))})")
                cursor = raw.cursor()
                cursor.executemany(sql, _columns(rows, indexes, dialect))
                cursor.close()
            seconds[name] = clock.perf_counter() - started
        if dialect == "postgresql":
            for name in ORDER:
                if name != "number_counters" and tables.rows.get(name):
                    connection.execute(text(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                        f"(SELECT max(id) FROM {name}))"))
    return seconds


# -- The build ------------------------------------------------------------------------------------

_GENERATED: dict = {}     # (seed, quick, fingerprint) → Tables: the second database reuses them


def build(url: str, seed: int = 1, quick: bool = False, scratch: Path | None = None,
          keys_dir: Path | None = None, echo=print) -> Dataset:
    """Wipe the database at ``url`` and fill it with the national data set."""
    from sqlalchemy import func, select, text

    from lgo_assess.core.db import db
    from lgo_assess.core.thaidate import today_bangkok
    from lgo_assess.kpi import summary

    scratch = scratch or Path(tempfile.mkdtemp(prefix="national-"))
    keys_dir = keys_dir or scratch / "keys"
    app = make_app(url, scratch, keys_dir)
    total = clock.perf_counter()
    with app.app_context():
        dialect = db.engine.dialect.name
        started = clock.perf_counter()
        rebuild_database()
        phases = {"schema (migrations)": clock.perf_counter() - started}
        ref, reference_phases = _reference(app, seed)
        phases.update(reference_phases)

        started = clock.perf_counter()
        key = (seed, quick, ref.fingerprint)
        tables = _GENERATED.get(key)
        if tables is None:
            tables = Tables()
            _evidence_items(tables, ref, quick)
            tables.extend(generate(ref, seed, quick, today_bangkok()))
            _GENERATED.clear()
            _GENERATED[key] = tables
            phases["generate rows, score answers, sign certificates"] = \
                clock.perf_counter() - started
        else:
            phases["generate rows (reused from the first database)"] = \
                clock.perf_counter() - started
        db.session.remove()
        started = clock.perf_counter()
        per_table = write(db.engine, tables)
        phases["bulk insert"] = clock.perf_counter() - started

        started = clock.perf_counter()
        summary.rebuild_summary(db.session, lgos=False)
        db.session.commit()
        phases["KPI summary rebuild (flask kpi rebuild)"] = clock.perf_counter() - started
        if dialect == "postgresql":
            # What autovacuum does after a bulk load on a production server (this machine's
            # server runs with autovacuum off): statistics, and the visibility map without which
            # PostgreSQL never chooses an index-only scan.
            started = clock.perf_counter()
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.execute(text("VACUUM ANALYZE"))
            phases["VACUUM ANALYZE"] = clock.perf_counter() - started
        counts = {}
        for table in db.metadata.sorted_tables:
            n = db.session.execute(select(func.count()).select_from(table)).scalar_one()
            if n:
                counts[table.name] = n
        db.session.remove()
    build_seconds = clock.perf_counter() - total
    echo(f"  {dialect}: {sum(counts.values()):,} rows in {build_seconds:.0f} s "
         f"(insert: {', '.join(f'{k} {v:.1f}s' for k, v in per_table.items())})")
    return Dataset(
        app=app, url=url, dialect=dialect, seed=seed, quick=quick, counts=counts, phases=phases,
        build_seconds=build_seconds, people=ref.emails, province_code=MEASURED_PROVINCE,
        workspaces=[a for a, _ in tables.measured], editor_of=dict(tables.measured))


# -- Shared by the suite --------------------------------------------------------------------------

def datasets(ctx, echo=print) -> dict[str, Dataset]:
    """The national data set in each of the run's databases, built once per run."""
    built = ctx.cache.setdefault("national", {})
    for name, url in ctx.databases.items():
        if name not in built:
            echo(f"  building the national data set in {name}{' (quick)' if ctx.quick else ''}")
            built[name] = build(url, seed=ctx.seed, quick=ctx.quick,
                                scratch=ctx.scratch / f"national-{name}",
                                keys_dir=ctx.scratch / "keys", echo=echo)
    # Every database of the run is built: the generated rows (millions of tuples) are no longer
    # needed, and kept they made each full garbage collection of this process walk them (one
    # round of the criteria validation took 1.3 s instead of 0.16 s).
    _GENERATED.clear()
    return {name: built[name] for name in ctx.databases}


_AUTHENTICATORS: dict[str, str] = {}  # e-mail → TOTP key enrolled by login() in this run


def login(client, email: str) -> None:
    """Log in through the real forms; DLA administrators and approvers also pass the second
    factor (enrolling on their first login, as a new administrator would)."""
    import pyotp

    from lgo_assess.accounts import totp

    response = client.post("/login", data={"email": email, "password": PASSWORD})
    if response.status_code != 302:
        raise RuntimeError(f"{email} could not log in ({response.status_code})")
    if response.location.startswith("/login/enrol"):
        client.get("/login/enrol")
        with client.session_transaction() as session:
            secret = session["enrol_secret"]
        response = client.post("/login/enrol", data={"code": pyotp.TOTP(secret).now()})
        _AUTHENTICATORS[email] = secret
        if response.status_code != 200:
            raise RuntimeError(f"{email} could not enrol ({response.status_code})")
    elif response.location.startswith("/login/code"):
        secret = _AUTHENTICATORS[email]
        now = totp.step_at(datetime.now(timezone.utc))
        for step in (now, now + 1):   # a code is single-use: the next step is still accepted
            response = client.post("/login/code", data={"code": totp.code_at_step(secret, step)})
            if response.status_code == 302:
                break
        else:
            raise RuntimeError(f"{email}: second factor refused ({response.status_code})")


def preamble(ctx, elapsed: float, notes: list[str]) -> str:
    """What RESULTS.md says before the table: the data set, its build, how floors are defined."""
    built = ctx.cache.get("national", {})
    lines = [f"Whole run (`python -m benchmarks`): {elapsed / 60:.1f} min.", ""]
    lines += [f"- {note}" for note in notes]
    if built:
        names = list(built)
        tables = sorted({t for d in built.values() for t in d.counts})
        lines += ["", "## The national data set (benchmarks/national.py, seed "
                  f"{ctx.seed})", "", __doc__.split("\n\n", 1)[1].strip(), ""]
        if ctx.quick:
            lines += [f"**Quick data set**: assessments, responses, evidence, decisions and "
                      f"certificates only for the LGOs of provinces {', '.join(QUICK_PROVINCES)}"
                      " (the registry, standards and cycles are whole).", ""]
        lines += [
                  "| table | " + " | ".join(names) + " |",
                  "| --- | " + " | ".join("---:" for _ in names) + " |"]
        for t in tables:
            lines.append(f"| {t} | " + " | ".join(f"{built[n].counts.get(t, 0):,}"
                                                    for n in names) + " |")
        lines.append("| **all** | " + " | ".join(f"**{sum(built[n].counts.values()):,}**"
                                                  for n in names) + " |")
        lines += ["", "Build time (wall seconds):", "",
                  "| phase | " + " | ".join(names) + " |",
                  "| --- | " + " | ".join("---:" for _ in names) + " |"]
        phases = []
        for d in built.values():
            phases += [p for p in d.phases if p not in phases]
        for p in phases:
            lines.append(f"| {p} | " + " | ".join(
                f"{built[n].phases[p]:.1f}" if p in built[n].phases else "—" for n in names)
                + " |")
        lines.append("| **total** | " + " | ".join(f"**{built[n].build_seconds:.0f}**"
                                                   for n in names) + " |")
    lines += ["", FLOORS]
    return "\n".join(lines)


FLOORS = """## How the operations and their floors are measured

Pages go through Flask's test client in this process (no network, no gunicorn), logged in as the
role that uses the page, with CSRF checks off; times are wall-clock per request after warm-up
requests (median and p95), throughput is requests per second over N sequential requests. Every
floor runs in the same process on the same database:

- **national KPI dashboard** (`GET /kpi/?fy=2569`, DLA admin: every computed KPI for one fiscal
  year, by region of both schemes and LGO type, and the trend): floor = one SQL `GROUP BY` over
  the per-LGO summary (`kpi_lgo_years` left-joined to `kpi_lgo_standard_years` and provinces,
  counted by region, LGO type, standard and level for the year), run on a raw connection and
  fetched. Target: p95 ≤ 150 ms and median ≤ 2× the floor.
- **province drill-down page** (`GET /kpi/province/30?fy=2570`, the province's officer:
  Nakhon Ratchasima, the province with the most LGOs): floor = the very SQL statements the page
  ran (captured from one request) replayed on a raw DB-API cursor and fetched. Target: p95 ≤
  100 ms.
- **LGO workspace page** (`GET /assessments/<id>`, the LGO's editor, the current year's GGL
  assessment: 39 criteria, the longest shipped edition, all answered, two evidence links each):
  floor = a bare Flask route in the benchmark that selects 50 response rows from the same
  database with SQLAlchemy Core and renders them with a cached Jinja template. Target: ≥ 40% of
  the floor's throughput. The page keeps its rendered criteria (assessments/fragments.py) until
  something they show changes, so repeated views, as measured for the target, read them from
  that cache; a second row measures first views (both caches emptied before each request).
- **autosave of one response** (`POST /assessments/<id>/responses/<code>`, JSON, the editor):
  floor = a bare Flask route that updates one response row (`UPDATE … SET level, version,
  updated_at WHERE id`) and commits. Target: ≥ 50% of the floor's throughput.
- **criteria validation** (`load_library` over every shipped file, as `flask criteria validate`
  runs it): floor = parsing the same YAML with libyaml alone. Target: ≤ 1 s.
"""
