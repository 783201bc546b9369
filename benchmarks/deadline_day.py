"""Deadline day: 2,000 LGO editors, each logged in, working in their own assessment at once.

The app runs as in production: gunicorn, 4 sync workers (the README's ``-w 4`` for 2 cores),
on 127.0.0.1, with CSRF on. Locust (headless, 127.0.0.1 only) drives simulated editors: each
logs in through the login form, then waits 5–15 s between tasks drawn 8 : 3 : 1 from viewing
its workspace page (GGL 2569, 39 criteria), autosaving a narrative (JSON, with the version it
holds) and uploading a 256 KB PDF to its evidence library (content new every time). 2,000 users
for 2 minutes, spawned at 100/s (``--quick``: 50 users for 20 s). Targets over every request:
0 errors, p95 <= 300 ms, p99 <= 800 ms.

The data are the module's own: one GGL cycle open today, N LGOs each with an editor and a
started assessment (the first through the services, the others copied in bulk). The benchmark
accounts' passwords are hashed with the test configuration's fast method (pbkdf2:sha256 with
1,000 rounds) so building 2,000 accounts takes seconds; production hashes with scrypt, so the login requests here cost less
CPU than real ones: a scrypt check took ~155 ms of CPU on this machine (under load) against
0.5 ms, so 100 logins a second would need ~15 cores for the hashing alone.

Besides the load test's figures (wall times, at the mercy of whatever else the machine runs) it
reports CPU per request: gunicorn's workers' CPU over the run divided by the requests, and each
request kind measured one at a time through the test client; from those, how many editors two
cores could serve in this mix if nothing else ran on them.

Run: python benchmarks/deadline_day.py [--quick] [--users=N] [DATABASE_URL]
Without a URL a temporary SQLite file is used. A PostgreSQL URL must name a database whose name
contains "bench" or "test": its public schema is dropped and rebuilt.
"""
from __future__ import annotations

import csv
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.harness import Context, Result, table  # noqa: E402

LOCUSTFILE = Path(__file__).resolve().parent / "deadline_locustfile.py"
WORKERS = 4              # README: gunicorn -w 4 (2 cores)
FAST_HASH = "pbkdf2:sha256:1000"   # tests/conftest.py's PASSWORD_HASH_METHOD
PASSWORD = "deadline day benchmark password"
TARGET = "0 errors, p95 ≤ 300 ms, p99 ≤ 800 ms"
FULL = {"users": 2000, "spawn_rate": 100, "seconds": 120}
QUICK = {"users": 50, "spawn_rate": 10, "seconds": 20}
MEAN_THINK_S = 10.0      # the locustfile waits between(5, 15)
# shared/research/rel-sec-perf.md D5: 1,110 requests/s of an indexed 60-row SELECT rendered by
# Jinja on these 2 cores with 5 gunicorn workers, i.e. 2,000 ms of CPU / 1,110 = 1.8 ms each.
FLOOR_CPU_MS = 2000 / 1110


# The data ----------------------------------------------------------------------------------------
def _wipe(url: str, scratch: Path) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{parsed.database}{suffix}").unlink(missing_ok=True)
        return
    name = parsed.database or ""
    if "bench" not in name and "test" not in name:
        raise SystemExit(f"refusing to wipe {name!r}: its name must contain 'bench' or 'test'")
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def build_world(url: str, instance: Path, users: int) -> list[dict]:
    """A fresh database with one GGL cycle open today and ``users`` LGOs, each with an editor
    and a started assessment. Returns one entry per editor for the locustfile.

    The first LGO goes through the services; the others copy its rows in bulk (the services
    write an audit event and a summary refresh per row: minutes for 2,000 on PostgreSQL). All
    LGOs are SAOs without area tags, so their new assessments are identical but for the LGO;
    the KPI summary is rebuilt at the commit, as after any bulk write."""
    import flask_migrate
    from sqlalchemy import insert, select

    from lgo_assess import create_app
    from lgo_assess.accounts import services as accounts
    from lgo_assess.accounts.models import RoleGrant, User
    from lgo_assess.assessments import services
    from lgo_assess.assessments.models import Assessment
    from lgo_assess.core.db import db
    from lgo_assess.core.security import Role
    from lgo_assess.core.thaidate import today_bangkok
    from lgo_assess.criteria import services as criteria_services
    from lgo_assess.criteria.loader import load_file
    from lgo_assess.registry.models import Lgo, LgoType, LgoTypePeriod, Province

    app = create_app(_app_config(url, instance))
    with app.app_context():
        flask_migrate.upgrade()
        loaded = load_file(ROOT / "criteria" / "GGL" / "2569.yaml")
        assert not loaded.problems, loaded.problems
        edition = criteria_services.import_edition(loaded).edition
        criteria_services.publish_edition(edition)
        today = today_bangkok()
        cycle = services.open_cycle(edition, 2569, opens_on=today - timedelta(days=30),
                                    self_assessment_due=today + timedelta(days=1),
                                    review_due=today + timedelta(days=60),
                                    decision_due=today + timedelta(days=90), actor=None)
        provinces = [Province(code=str(10 + i), name_th=f"จังหวัดทดสอบ {i + 1}",
                              name_en=f"Bench province {i + 1}") for i in range(20)]
        db.session.add_all(provinces)
        db.session.flush()

        def lgo_row(n: int) -> dict:
            return {"dla_code": f"8{n:06d}", "name_th": f"อบต.ทดสอบภาระ {n + 1}",
                    "name_en": f"Load test SAO {n + 1}",
                    "province_id": provinces[n % len(provinces)].id}

        def email(n: int) -> str:
            return f"editor{n + 1}@bench.go.th"

        first = Lgo(**lgo_row(0))
        first.type_periods.append(LgoTypePeriod(lgo_type=LgoType.SAO, from_fy=2561))
        db.session.add(first)
        user = accounts.create_user(email(0), "ผู้กรอกแบบประเมิน 1", PASSWORD,
                                    hash_method=FAST_HASH)
        accounts.grant_role(user, Role.LGO_EDITOR, lgo=first)
        template = services.start_assessment(cycle, first, actor=None)
        edition_view = services.edition_of(template)
        codes = [e.code for e in edition_view.criteria_for(template.lgo_type, []) if e.applicable]
        db.session.commit()

        rest = range(1, users)
        session = db.session
        session.execute(insert(Lgo.__table__), [lgo_row(n) for n in rest])
        lgo_ids = dict(session.execute(select(Lgo.dla_code, Lgo.id)).all())
        lgo_of = [lgo_ids[lgo_row(n)["dla_code"]] for n in range(users)]
        session.execute(insert(LgoTypePeriod.__table__), [
            {"lgo_id": lgo_of[n], "lgo_type": LgoType.SAO, "from_fy": 2561} for n in rest])
        session.execute(insert(User.__table__), [
            {"email": email(n), "display_name": f"ผู้กรอกแบบประเมิน {n + 1}",
             "password_hash": user.password_hash, "locale": "th"} for n in rest])
        user_ids = dict(session.execute(select(User.email, User.id)).all())
        session.execute(insert(RoleGrant.__table__), [
            {"user_id": user_ids[email(n)], "role": Role.LGO_EDITOR, "lgo_id": lgo_of[n]}
            for n in rest])
        copied = {column.key: getattr(template, column.key)
                  for column in Assessment.__table__.columns if column.key not in ("id",
                                                                                 "lgo_id")}
        session.execute(insert(Assessment.__table__),
                        [dict(copied, lgo_id=lgo_of[n]) for n in rest])
        assessment_of = dict(session.execute(select(Assessment.lgo_id, Assessment.id)).all())
        db.session.commit()
        entries = [{"email": email(n), "password": PASSWORD,
                    "assessment_id": assessment_of[lgo_of[n]], "lgo_id": lgo_of[n],
                    "fiscal_year": cycle.fiscal_year, "criteria": codes} for n in range(users)]
        if db.engine.dialect.name == "postgresql":   # as autovacuum would after a bulk load
            from sqlalchemy import text
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.execute(text("ANALYZE"))
        db.engine.dispose()
    return entries


def _app_config(url: str, instance: Path) -> dict:
    return {"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_DIR": instance,
            "EVIDENCE_DIR": instance / "evidence", "KEYS_DIR": instance / "keys",
            "SECRET_KEY": "deadline-day-benchmark", "CLI_LANGUAGE": "en"}


def padded_pdf(size: int) -> bytes:
    """A PDF the evidence checks accept, of ``size`` bytes, whose content is new each time (so
    every upload is stored, not matched to an earlier copy)."""
    head = (b"%%PDF-1.4\n%% deadline-day %s\n1 0 obj\n<< /Length %d >>\nstream\n"
            % (uuid.uuid4().hex.encode(), size))
    tail = b"\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
    return head + b"\x00" * max(size - len(head) - len(tail), 0) + tail


# What each request costs -------------------------------------------------------------------------
MIX = {"workspace page": 8, "autosave": 3, "upload 256 KB": 1}


def request_costs(url: str, instance: Path, entry: dict, rounds: int) -> dict[str, float]:
    """CPU milliseconds of this process per request kind (median of ``rounds``), through the
    test client with CSRF on: what one request costs the app whatever else the machine runs
    (the wall time of the load test is at the mercy of the other processes). The PostgreSQL
    server's own CPU is not in it."""
    import io
    import re
    import statistics

    from lgo_assess import create_app

    app = create_app(_app_config(url, instance))
    client = app.test_client()
    token = re.compile(r'<meta name="csrf-token" content="([^"]+)"')

    def csrf(response) -> str:
        return token.search(response.get_data(as_text=True)).group(1)

    def log_in():
        fresh = app.test_client()
        answer = fresh.post("/login", data={"email": entry["email"],
                                            "password": entry["password"],
                                            "csrf_token": csrf(fresh.get("/login"))})
        assert answer.status_code == 302, answer.status_code

    client.post("/login", data={"email": entry["email"], "password": entry["password"],
                                "csrf_token": csrf(client.get("/login"))})
    workspace = f"/assessments/{entry['assessment_id']}"
    headers = {"X-CSRFToken": csrf(client.get(workspace)), "Accept": "application/json"}
    versions: dict[str, int] = {}

    def view():
        assert client.get(workspace).status_code == 200

    def autosave():
        code = entry["criteria"][len(versions) % len(entry["criteria"])]
        answer = client.post(f"{workspace}/responses/{code}", headers=headers,
                             json={"narrative": "ดำเนินการแล้ว", "version": versions.get(code)})
        assert answer.status_code == 200, answer.status_code
        versions[code] = answer.get_json()["version"]

    def upload():
        answer = client.post(
            f"/evidence/lgo/{entry['lgo_id']}/{entry['fiscal_year']}/upload", headers=headers,
            data={"rows-0-title": "หลักฐาน",
                  "rows-0-file": (io.BytesIO(padded_pdf(256 * 1024)), "evidence.pdf")},
            content_type="multipart/form-data")
        assert answer.status_code == 201, answer.status_code

    costs = {}
    for name, call in (("login page", lambda: client.get("/login")), ("login", log_in),
                       ("workspace page", view), ("autosave", autosave),
                       ("upload 256 KB", upload)):
        call()
        samples = []
        for _ in range(rounds):
            started = time.process_time()
            call()
            samples.append(1000 * (time.process_time() - started))
        costs[name] = statistics.median(samples)
    with app.app_context():
        from lgo_assess.core.db import db
        db.engine.dispose()
    return costs


def editors_per_two_cores(costs: dict[str, float]) -> float:
    """How many editors (one request every MEAN_THINK_S on average, in the 8:3:1 mix) two
    cores could serve at these costs if nothing else ran on them."""
    per_request = sum(costs[k] * w for k, w in MIX.items()) / sum(MIX.values())
    return 2000 / per_request * MEAN_THINK_S


# The server and the load -------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_up(base: str, server: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as answer:  # noqa: S310 -- loopback
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer /healthz in time")


def serve(url: str, instance: Path, port: int) -> subprocess.Popen:
    env = dict(os.environ, DATABASE_URL=url, INSTANCE_DIR=str(instance),
               EVIDENCE_DIR=str(instance / "evidence"), KEYS_DIR=str(instance / "keys"),
               SECRET_KEY="deadline-day-benchmark")
    with open(instance / "gunicorn.log", "ab") as log:   # the child keeps its own copy
        return subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", str(WORKERS), "-b", f"127.0.0.1:{port}",
             "--timeout", "60", "wsgi:app"], cwd=ROOT, env=env, stdout=log, stderr=log,
            start_new_session=True)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run_locust(base: str, accounts_file: Path, out: Path, *, users: int, spawn_rate: int,
               seconds: int) -> subprocess.CompletedProcess:
    env = dict(os.environ, DEADLINE_ACCOUNTS=str(accounts_file))
    command = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless",
               "--host", base, "-u", str(users), "-r", str(spawn_rate), "-t", f"{seconds}s",
               "--stop-timeout", "20", "--csv", str(out), "--only-summary",
               "--exit-code-on-error", "0", "--loglevel", "WARNING"]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=seconds + 180, check=False)


def read_stats(prefix: Path) -> dict[str, dict]:
    """Locust's ``*_stats.csv``: one row per request name plus ``Aggregated``."""
    rows = {}
    with open(f"{prefix}_stats.csv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            name = row["Name"] if row["Name"] != "Aggregated" else "all requests"
            rows[name] = {
                "requests": int(row["Request Count"]), "errors": int(row["Failure Count"]),
                "rps": float(row["Requests/s"]), "median": float(row["50%"]),
                "p95": float(row["95%"]), "p99": float(row["99%"]),
                "max": float(row["Max Response Time"]),
            }
    return rows


def read_failures(prefix: Path) -> list[str]:
    path = Path(f"{prefix}_failures.csv")
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as f:
        return [f"{r['Method']} {r['Name']}: {r['Error']} ×{r['Occurrences']}"
                for r in csv.DictReader(f)]


def run_one(database: str, url: str, scratch: Path, plan: dict) -> tuple[dict, list[str]]:
    """Build the data, start gunicorn, run locust, stop gunicorn; locust's figures by name."""
    from lgo_assess.config import _database_url
    instance = scratch / f"deadline-{database}"
    shutil.rmtree(instance, ignore_errors=True)
    (instance / "evidence").mkdir(parents=True)
    url = _database_url(url, instance)
    _wipe(url, instance)
    started = time.perf_counter()
    # One editor more than the load's: the one-at-a-time costs are measured with it, so that no
    # simulated editor finds answers it did not save (its first save would be a conflict).
    entries = build_world(url, instance, plan["users"] + 1)
    measured, entries = entries[-1], entries[:-1]
    print(f"{database}: {len(entries):,} editors, LGOs and assessments in "
          f"{time.perf_counter() - started:.0f} s", flush=True)
    costs = request_costs(url, instance, measured, rounds=5 if plan["users"] <= 50 else 20)
    accounts_file = instance / "accounts.json"
    accounts_file.write_text(json.dumps(entries), encoding="utf-8")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = serve(url, instance, port)
    try:
        _wait_until_up(base, server)
        before = server_cpu_seconds(server.pid)
        children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        done = run_locust(base, accounts_file, instance / "locust", **plan)
        used = server_cpu_seconds(server.pid) - before
        children = resource.getrusage(resource.RUSAGE_CHILDREN)   # locust, waited for
        load_cpu = (children.ru_utime - children_before.ru_utime
                    + children.ru_stime - children_before.ru_stime)
        if done.returncode != 0:
            raise RuntimeError(f"locust exited with {done.returncode}: {done.stderr[-2000:]}")
    finally:
        _stop(server)
    stats = read_stats(instance / "locust")
    stats["all requests"]["server_cpu_s"] = used
    stats["all requests"]["load_cpu_s"] = load_cpu
    stats["all requests"]["costs"] = costs
    return stats, read_failures(instance / "locust")


def server_cpu_seconds(pid: int) -> float:
    """CPU seconds used so far by gunicorn and its live workers: the cost of the requests,
    which the shared machine's load does not inflate as it does their wall time."""
    import psutil   # comes with locust
    master = psutil.Process(pid)
    total = 0.0
    for process in [master, *master.children()]:
        try:
            times = process.cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:
            pass
    return total


def results_for(database: str, stats: dict, failures: list[str], plan: dict) -> list[Result]:
    label = f"deadline day, {plan['users']:,} editors for {plan['seconds']} s"
    out = []
    whole = stats["all requests"]
    met = whole["errors"] == 0 and whole["p95"] <= 300 and whole["p99"] <= 800
    out.append(Result(
        f"{label}: all requests", database, "ms", whole["median"], whole["p95"], target=TARGET,
        met=met, note=(f"({whole['requests']:,} requests, {whole['errors']} errors, "
                       f"{whole['rps']:.0f}/s, p99 {whole['p99']:.0f} ms, max "
                       f"{whole['max']:.0f} ms)")))
    cpu_ms = 1000 * whole["server_cpu_s"] / max(whole["requests"], 1)
    out.append(Result(
        f"{label}: server CPU per request", database, "ms", cpu_ms,
        floor=FLOOR_CPU_MS, floor_label="60-row select + render, research M4",
        note=(f"(gunicorn's {WORKERS} workers, {whole['server_cpu_s']:.0f} CPU-s in all; "
              f"2 cores at this cost serve at most {2000 / cpu_ms:.0f}/s"
              f"{'' if database == 'sqlite' else ', PostgreSQL server not counted'}; the load "
              f"generator, on the same cores, used {whole['load_cpu_s']:.0f} CPU-s, "
              f"{1000 * whole['load_cpu_s'] / max(whole['requests'], 1):.1f} ms a request)")))
    costs = whole["costs"]
    for name, cost in costs.items():
        out.append(Result(f"CPU per request, one at a time: {name}", database, "ms", cost,
                          note="(test client, app process only)"))
    out.append(Result("editors two cores could serve at these costs (8:3:1, 10 s think time)",
                      database, "editors", editors_per_two_cores(costs), target="≥ 2,000",
                      met=editors_per_two_cores(costs) >= 2000))
    offered = plan["users"] / MEAN_THINK_S
    out.append(Result(f"{label}: throughput", database, "/s", whole["rps"],
                      floor=offered, floor_label="offered: users / mean think time",
                      note="(a ramp of users/spawn rate seconds lowers it)"))
    for name, row in stats.items():
        if name == "all requests":
            continue
        out.append(Result(
            f"{label}: {name}", database, "ms", row["median"], row["p95"],
            note=(f"({row['requests']:,} requests, {row['errors']} errors, "
                  f"p99 {row['p99']:.0f} ms)")))
    for failure in failures[:5]:
        print(f"  failure: {failure}", flush=True)
    return out


def measure(ctx: Context) -> list[Result]:
    plan = QUICK if ctx.quick else FULL
    results = []
    for database in ("sqlite", "postgresql"):
        url = ctx.databases.get(database)
        if not url:
            continue
        stats, failures = run_one(database, url, Path(ctx.scratch), plan)
        results.extend(results_for(database, stats, failures, plan))
    return results


def main(argv: list[str]) -> None:
    quick = "--quick" in argv
    for option in argv:   # --users=N: find where the targets stop holding (GOV.UK's advice)
        if option.startswith("--users="):
            FULL["users"] = int(option.split("=", 1)[1])
    arguments = [a for a in argv if not a.startswith("--")]
    scratch = Path(tempfile.mkdtemp(prefix="deadline-day-"))
    if arguments:
        url = arguments[0]
        database = "postgresql" if url.startswith("postgres") else "sqlite"
    else:
        url, database = f"sqlite:///{scratch / 'deadline.sqlite3'}", "sqlite"
    print(table(measure(Context(databases={database: url}, scratch=scratch, quick=quick))))


if __name__ == "__main__":
    main(sys.argv[1:])
