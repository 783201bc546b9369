"""Upload of one large evidence file through the real path, against writing the same bytes.

A real HTTP server (Werkzeug's, one process, one thread) runs the app in a child process; the
client logs in as the LGO's editor and posts a PDF of SIZE bytes as multipart/form-data to
``/evidence/lgo/<id>/<fy>/upload`` (Accept: application/json, 201 expected), sent from disk
with ``sendfile``. The server parses the form straight into a temporary file in the evidence
store (hashed and written by a worker thread as it arrives, see ``evidence.storage``), the
evidence service fsyncs it, checks its content and renames it to its content address, and
commits the row. Each round's file differs in its first line, so every
round stores a new blob.

Floor: writing the same bytes to a file in the same folder's filesystem in 1 MiB pieces, then
fsync. Besides wall-clock MB/s, the CPU cost is given (MB per CPU second of the server process,
and of the floor's writer): on a shared machine wall time is mostly waiting for a core. Memory: the server's peak RSS growth during one upload: its high-water mark (VmHWM) is
reset before the upload (``/proc/<pid>/clear_refs`` = 5) and read after it, minus its RSS just
before. RSS is what the operating system charges the worker; the page cache is not in it.

Limits: ``EVIDENCE_MAX_BYTES`` is 20 MB per file by default (a design choice: evidence files
are documents and photos) and ``MAX_CONTENT_LENGTH`` 220 MB per request (five files of a form).
A 200 MB file is refused by default; this benchmark raises ``EVIDENCE_MAX_BYTES`` (an operator
setting, also read from the environment) to 200 MiB and measures the 200 MiB file, and
measures a 20 MB file at the default limit.

Targets (issue #10): peak memory growth <= 50 MB; >= 50 % of the floor's MB/s.

Run: .venv/bin/python benchmarks/upload.py [--quick] [DATABASE_URL]
"""
from __future__ import annotations

import http.client
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.harness import (Context, Result, median, rebuild_database,  # noqa: E402
                                standalone_context, table)

MiB = 1024 * 1024
BIG = 200 * MiB
DEFAULT_LIMIT = 20 * 1024 * 1024            # config.EVIDENCE_MAX_BYTES
FISCAL_YEAR = 2569
PASSWORD = "correct horse battery staple"
BOUNDARY = "----lgo-assess-benchmark-boundary"

SERVER = r"""
import json, sys
from pathlib import Path
sys.path.insert(0, {root!r})
from werkzeug.serving import make_server
from lgo_assess import create_app
from tests.conftest import make_test_config
settings = json.loads({settings!r})
config = make_test_config(Path(settings["instance"]), settings["url"])
config.update(TESTING=False, EVIDENCE_MAX_BYTES=settings["max_bytes"],
              EVIDENCE_QUOTA_BYTES=settings["quota"])
server = make_server("127.0.0.1", 0, create_app(config), threaded=False)
print(server.server_port, flush=True)
server.serve_forever()
"""


def _pdf_parts(size: int, tag: int):
    """A PDF of exactly ``size`` bytes as pieces: one big stream of pseudo-random bytes (a
    scanned document compresses no better), different for each ``tag``."""
    tail = b"\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
    head = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n% round " + str(tag).encode() + \
        b"\n1 0 obj\n<< /Length 0000000000 >>\nstream\n"
    head = head.replace(b"0000000000", b"%010d" % (size - len(head) - len(tail)))
    block = random.Random(tag).randbytes(MiB)
    yield head
    left = size - len(head) - len(tail)
    while left > 0:
        piece = block[:min(MiB, left)]
        left -= len(piece)
        yield piece
    yield tail


def write_file(path: Path, size: int, tag: int) -> None:
    """Write the test file and fsync it: otherwise the kernel writes the rounds' files (up to
    1.2 GB) back to disk in the background while the floor and the uploads are being timed,
    and whichever of them it lands on pays for it."""
    with open(path, "wb") as out:
        for piece in _pdf_parts(size, tag):
            out.write(piece)
        out.flush()
        os.fsync(out.fileno())


def floor_write(source: Path, target: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds) to write ``source``'s bytes to ``target`` in 1 MiB pieces
    and fsync."""
    started, cpu = time.perf_counter(), time.process_time()
    with open(source, "rb") as data, open(target, "wb") as out:
        while piece := data.read(MiB):
            out.write(piece)
        out.flush()
        os.fsync(out.fileno())
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    target.unlink()
    return elapsed, cpu


RECEIVER = r"""
import os, socket, sys
target, size = sys.argv[1], int(sys.argv[2])
listener = socket.create_server(("127.0.0.1", 0))
print(listener.getsockname()[1], flush=True)
connection, _ = listener.accept()
buffer = memoryview(bytearray(1024 * 1024))
with connection, open(target, "wb") as out:
    left = size
    while left > 0 and (n := connection.recv_into(buffer, min(left, len(buffer)))):
        out.write(buffer[:n])
        left -= n
    out.flush()
    os.fsync(out.fileno())
    connection.sendall(b"ok")
"""


def socket_floor(source: Path, target: Path) -> float:
    """Wall seconds to move ``source``'s bytes over a fresh loopback TCP connection (sent with
    ``sendfile``, as the upload is) to another process that writes them to a file in 1 MiB
    pieces and fsyncs it: what any upload of these bytes costs on this machine before the
    server parses, hashes or checks anything. Informational: the issue's floor
    (``floor_write``) does not move the bytes over a socket."""
    receiver = subprocess.Popen([sys.executable, "-c", RECEIVER, str(target),
                                 str(source.stat().st_size)], stdout=subprocess.PIPE, text=True)
    port = int(receiver.stdout.readline())
    started = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port)) as sender, open(source, "rb") as data:
        sender.sendfile(data)
        assert sender.recv(2) == b"ok", "the receiver did not store the bytes"
    elapsed = time.perf_counter() - started
    receiver.wait(timeout=60)
    target.unlink()
    return elapsed


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds process ``pid`` has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _memory(pid: int) -> dict[str, int]:
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) * 1024
    return values


def _prepare(url: str, instance: Path):
    """A fresh database with an LGO and its editor; returns (lgo id, editor e-mail)."""

    from lgo_assess import create_app
    from lgo_assess.core.db import db
    from lgo_assess.core.security import Role
    from tests.conftest import make_test_config
    from tests.factories import make_lgo, make_user

    app = create_app(make_test_config(instance, url))
    with app.app_context():
        rebuild_database()
        with app.test_request_context():
            lgo = make_lgo()
            editor = make_user(Role.LGO_EDITOR, lgo=lgo, email="bench-editor@example.go.th")
            db.session.commit()
            result = lgo.id, editor.email
        db.session.remove()
        db.engine.dispose()
    return result


class Server:
    def __init__(self, url: str, instance: Path, max_bytes: int):
        settings = json.dumps({"instance": str(instance), "url": url, "max_bytes": max_bytes,
                               "quota": 1 << 40})
        self.process = subprocess.Popen(
            [sys.executable, "-c", SERVER.format(root=str(ROOT), settings=settings)],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.port = int(self.process.stdout.readline())
        self.cookie = ""

    def request(self, method, path, body=None, headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        headers = dict(headers or {})
        if self.cookie:
            headers["Cookie"] = self.cookie
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        for key, value in response.getheaders():
            if key.lower() == "set-cookie":
                self.cookie = value.split(";", 1)[0]
        connection.close()
        return response.status, data

    def login(self, email: str) -> None:
        status, _ = self.request("POST", "/login", urllib.parse.urlencode(
            {"email": email, "password": PASSWORD}),
            {"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 302, f"login failed: {status}"

    def upload(self, lgo_id: int, path: Path) -> tuple[float, int, float]:
        """(seconds, peak RSS growth in bytes, server CPU seconds) of one upload of ``path``.

        The file's bytes go to the socket with ``sendfile`` (the kernel copies them from the
        page cache): the client shares the machine's two cores with the server, and a client
        that read and sent the file itself in Python pieces took CPU time a remote browser
        would not take from the server."""
        head = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"rows-0-file\"; "
                f"filename=\"{path.name}\"\r\nContent-Type: application/pdf\r\n\r\n").encode()
        tail = f"\r\n--{BOUNDARY}--\r\n".encode()
        length = len(head) + path.stat().st_size + len(tail)

        Path(f"/proc/{self.process.pid}/clear_refs").write_text("5")
        before = _memory(self.process.pid)["VmRSS"]
        cpu = _cpu_seconds(self.process.pid)
        started = time.perf_counter()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        connection.putrequest("POST", f"/evidence/lgo/{lgo_id}/{FISCAL_YEAR}/upload")
        for key, value in (("Content-Type", f"multipart/form-data; boundary={BOUNDARY}"),
                           ("Content-Length", str(length)), ("Accept", "application/json"),
                           ("Cookie", self.cookie)):
            connection.putheader(key, value)
        connection.endheaders()
        connection.sock.sendall(head)
        with open(path, "rb") as data:
            connection.sock.sendfile(data)
        connection.sock.sendall(tail)
        response = connection.getresponse()
        status, data = response.status, response.read()
        connection.close()
        elapsed = time.perf_counter() - started
        peak = _memory(self.process.pid)["VmHWM"] - before
        cpu = _cpu_seconds(self.process.pid) - cpu
        if status != 201:
            raise AssertionError(f"upload answered {status}: {data[:300]!r}")
        return elapsed, peak, cpu

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def _measure_size(ctx: Context, database: str, url: str, instance: Path, lgo_id: int,
                  email: str, size: int, max_bytes: int, label: str) -> list[Result]:
    rounds = 2 if ctx.quick else 5
    server = Server(url, instance, max_bytes)
    files = []
    try:
        server.login(email)
        for tag in range(rounds + 1):
            path = instance / f"evidence-{size // MiB}-{tag}.pdf"
            write_file(path, size, tag)
            files.append(path)
        server.upload(lgo_id, files[0])                 # warm-up: imports, first blob folder
        floors, floor_cpus, socket_floors, times, peaks, cpus = [], [], [], [], [], []
        for path in files[1:]:
            wall, cpu = floor_write(path, instance / "floor.bin")
            floors.append(wall)
            floor_cpus.append(cpu)
            socket_floors.append(socket_floor(path, instance / "floor.bin"))
            elapsed, peak, cpu = server.upload(lgo_id, path)
            times.append(elapsed)
            peaks.append(peak)
            cpus.append(cpu)
    finally:
        server.stop()
        for path in files:
            path.unlink(missing_ok=True)
    megabytes = size / 1e6
    rate, floor = megabytes / median(times), megabytes / median(floors)
    slowest = megabytes / max(times)
    peak = max(peaks) / 1e6
    cpu_rate = megabytes / max(median(cpus), 1e-3)
    cpu_floor = megabytes / max(median(floor_cpus), 1e-3)
    return [
        Result(f"upload {label}: throughput", database, "MB/s", rate, slowest, floor=floor,
               floor_label="write + fsync", target=">= 50% of floor",
               met=rate >= 0.5 * floor, note="(wall; p95 column: slowest round)"),
        Result(f"upload {label}: throughput against receiving the bytes", database, "MB/s",
               rate, slowest, floor=megabytes / median(socket_floors),
               floor_label="loopback TCP + write + fsync",
               note="(informational: the same upload against a floor that also moves the "
                    "bytes over a socket, which every upload must)"),
        Result(f"upload {label}: MB per CPU second of the server", database, "MB/s", cpu_rate,
               floor=cpu_floor, floor_label="write + fsync per CPU second",
               note="(the server process's user + system time, from /proc)"),
        Result(f"upload {label}: peak RSS growth of the server", database, "MB", peak,
               target="<= 50 MB", met=peak <= 50,
               note=f"(max over {rounds} rounds)"),
    ]


def measure(ctx: Context) -> list[Result]:
    results = []
    for database, url in ctx.databases.items():
        instance = Path(tempfile.mkdtemp(dir=ctx.scratch, prefix="upload-"))
        lgo_id, email = _prepare(url, instance)
        results += _measure_size(ctx, database, url, instance, lgo_id, email, BIG, BIG,
                                 "200 MiB (limit raised)")
        results += _measure_size(ctx, database, url, instance, lgo_id, email, DEFAULT_LIMIT,
                                 DEFAULT_LIMIT, "20 MB (default per-file limit)")
    return results


def main(argv: list[str]) -> None:
    ctx = standalone_context(argv, "upload-bench-")
    print(table(measure(ctx)))


if __name__ == "__main__":
    main(sys.argv[1:])
