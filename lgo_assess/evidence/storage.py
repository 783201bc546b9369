"""The evidence blob store: content-addressed files on the local disk, written crash-safely.

Pure: no Flask, no database. Layout under the root (outside the web root)::

    ab/cd/<sha256>          one blob per distinct content, named by its SHA-256
    tmp/upload-*.part       uploads being written (and preview files being made)
    previews/ab/<sha256>.*  previews derived from a blob (re-encoded images, PDF page 1)

An upload is streamed in chunks to a temporary file in ``tmp/`` while it is hashed and counted,
fsynced, and only then renamed to its content address. A web upload arrives already in such a
file: the form parser writes each uploaded file into a ``HashingSpool`` in ``tmp/``, which hashes
the bytes as they are written (in a worker thread, while the next ones are parsed) and starts
their writeback to disk as it goes, so staging it is a short fsync, not a second copy
(``os.replace`` is atomic on one filesystem; the directory is fsynced so the rename survives a
power cut). A crash at any point leaves at worst a stray ``.part`` file or a blob no row points
to, never a partial file under a content address; ``sweep`` removes both.
"""
from __future__ import annotations

import ctypes
import hashlib
import os
import re
import sys
import tempfile
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Callable, Iterator

CHUNK_SIZE = 1024 * 1024            # memory used per upload, whatever the file's size
SPOOL_BATCH = 1024 * 1024           # a spool hashes and writes in a worker thread by batches
SPOOL_THREADS = 4                   # of those workers (more concurrent uploads wait a turn)
WRITEBACK_STEP = 8 * 1024 * 1024    # a spool hands its pages to writeback every 8 MiB
TEMP_DIR = "tmp"
PREVIEW_DIR = "previews"
TEMP_PREFIX = "upload-"
TEMP_SUFFIX = ".part"
DEFAULT_GRACE_SECONDS = 3600        # younger blobs and temp files may belong to a live request
_SHA256 = re.compile(r"[0-9a-f]{64}")
_HEX2 = re.compile(r"[0-9a-f]{2}")


class TooLarge(Exception):
    """The stream is longer than the limit; nothing was kept."""

    def __init__(self, limit: int):
        super().__init__(f"more than {limit} bytes")
        self.limit = limit


@dataclass(frozen=True)
class StagedBlob:
    """An upload written to a temporary file, hashed and fsynced, not yet under its address."""

    path: Path
    sha256: str
    size: int


class HashingSpool:
    """A temporary file in a store's ``tmp/`` that hashes and counts what is written to it, in
    order from its start: the form parser's destination for an uploaded file (see
    ``evidence.uploads``). ``BlobStore.stage`` takes it over as it is (no copy, no second
    read) when it was written straight through; otherwise it is read like any other stream.
    Closing it removes the file unless a store took it over.

    While only ``write`` is called, the pieces are gathered into batches of ``SPOOL_BATCH``
    bytes and each batch is hashed and written by a worker thread while the request's thread
    reads and parses the next one (hashlib and file writes release the GIL), with at most one
    batch in flight: memory stays at two batches whatever the file's size. As they are
    written, the file's pages are handed to the kernel's writeback (``_start_writeback``), so
    the fsync at staging waits for the last few MiB, not the whole file. Any other use of the
    file (``seek``, ``read``, ``tell``, ``flush``, …) first waits for the batches (``_settle``)
    and from then on writes are synchronous."""

    def __init__(self, directory: Path):
        directory.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=directory, prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX)
        self.path = Path(name)
        self._file = os.fdopen(fd, "w+b")
        self._digest = hashlib.sha256()
        self._hashed = 0            # bytes hashed: everything from the start, in order
        self._in_order = True
        self._streaming = True      # only ``write`` so far: batches may be in flight
        self._batch: list[bytes] = []
        self._batch_size = 0
        self._in_flight: Future | None = None
        self._failure: BaseException | None = None  # a batch's write failed: raised again
        self._written = 0           # bytes the batches wrote (worker side)
        self._writeback_from = 0    # the first byte not yet handed to writeback
        self.taken = False

    def write(self, data) -> int:
        self._raise_failure()
        if self._streaming:
            data = bytes(data)      # the caller may reuse a bytearray or memoryview; a
            self._batch.append(data)    # bytes object is not copied
            self._batch_size += len(data)
            self._hashed += len(data)
            if self._batch_size >= SPOOL_BATCH:
                self._send_batch()
            return len(data)
        if self._in_order and self._file.tell() == self._hashed:
            self._digest.update(data)
            self._hashed += len(data)
        else:
            self._in_order = False
        return self._file.write(data)

    def _send_batch(self) -> None:
        batch, self._batch, self._batch_size = self._batch, [], 0
        in_flight, self._in_flight = self._in_flight, None
        if in_flight is not None:
            self._wait(in_flight)           # one batch in flight at a time
        self._in_flight = _workers().submit(self._store, batch)

    def _wait(self, in_flight: Future) -> None:
        try:
            in_flight.result()
        except BaseException as failure:
            self._failure = failure         # bytes are missing: every later use fails too
            raise

    def _raise_failure(self) -> None:
        if self._failure is not None:
            raise self._failure

    def _store(self, batch: list[bytes]) -> None:
        """Hash and write one batch (in a worker thread, or the request's in ``_settle``)."""
        # One piece of 1 MiB rather than 16 of 64 KiB: the copy costs less than taking the GIL
        # back after each hash and write, which keeps the request's thread waiting.
        data = batch[0] if len(batch) == 1 else b"".join(batch)
        self._digest.update(data)
        self._file.write(data)
        self._written += len(data)
        if self._written - self._writeback_from >= WRITEBACK_STEP:
            self._file.flush()
            _start_writeback(self._file.fileno(), self._writeback_from,
                             self._written - self._writeback_from)
            self._writeback_from = self._written

    def _settle(self) -> None:
        """Wait for the batch in flight and write the one being gathered: the file then holds
        every byte written so far, and its position is at their end."""
        self._raise_failure()
        if not self._streaming:
            return
        self._streaming = False
        in_flight, self._in_flight = self._in_flight, None
        batch, self._batch, self._batch_size = self._batch, [], 0
        if in_flight is not None:
            self._wait(in_flight)
        if batch:
            try:
                self._store(batch)
            except BaseException as failure:
                self._failure = failure
                raise

    def digest(self) -> tuple[str, int] | None:
        """(SHA-256, size) of the whole file if every byte went through ``write`` in order."""
        self._settle()
        self._file.flush()
        if not self._in_order or os.fstat(self._file.fileno()).st_size != self._hashed:
            return None
        return self._digest.hexdigest(), self._hashed

    def close(self) -> None:
        try:
            self._settle()
        except Exception:  # noqa: S110 - a write failed (disk full): the file goes anyway
            pass
        finally:
            self._file.close()
            if not self.taken:
                self.path.unlink(missing_ok=True)

    def __getattr__(self, name):    # read, seek, tell, flush, fileno, closed, … of the file
        self._settle()
        return getattr(self._file, name)

    def __iter__(self):
        self._settle()
        return iter(self._file)

    def __enter__(self):
        return self

    def __exit__(self, *_exc) -> None:
        self.close()


_workers_lock = threading.Lock()
_workers_pool: tuple[int, ThreadPoolExecutor] | None = None


def _workers() -> ThreadPoolExecutor:
    """The threads that hash and write spool batches, made on first use in each process (a
    pool made before a server forks its workers has no threads in them)."""
    global _workers_pool
    with _workers_lock:
        if _workers_pool is None or _workers_pool[0] != os.getpid():
            _workers_pool = (os.getpid(), ThreadPoolExecutor(
                max_workers=SPOOL_THREADS, thread_name_prefix="evidence-spool"))
        return _workers_pool[1]


def _load_sync_file_range():
    """Linux's ``sync_file_range`` (which ``os`` does not offer), or None elsewhere."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        function = ctypes.CDLL(None, use_errno=True).sync_file_range
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


_sync_file_range = _load_sync_file_range()
_SYNC_FILE_RANGE_WRITE = 2


def _start_writeback(fd: int, offset: int, length: int) -> None:
    """Ask the kernel to start writing these bytes to disk now, without waiting for it. Only
    an early start: the fsync before a blob is stored is what makes it durable, so where this
    is not available (or fails) nothing is lost but time."""
    if _sync_file_range is not None:
        _sync_file_range(fd, offset, length, _SYNC_FILE_RANGE_WRITE)


@dataclass
class SweepReport:
    blobs: list[Path] = field(default_factory=list)
    temp_files: list[Path] = field(default_factory=list)
    previews: list[Path] = field(default_factory=list)
    bytes_freed: int = 0

    @property
    def removed(self) -> list[Path]:
        return [*self.blobs, *self.temp_files, *self.previews]


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class BlobStore:
    def __init__(self, root: Path | str):
        self.root = Path(root).resolve()

    # Paths -----------------------------------------------------------------------------------
    @property
    def temp_dir(self) -> Path:
        return self.root / TEMP_DIR

    def path_for(self, sha256: str) -> Path:
        """Where the blob with this hash lives. Only a 64-digit lower-case hex name is accepted,
        so no value can point outside the store."""
        if not _SHA256.fullmatch(sha256 or ""):
            raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def preview_path(self, sha256: str, suffix: str) -> Path:
        self.path_for(sha256)  # validates the name
        return self.root / PREVIEW_DIR / sha256[:2] / f"{sha256}{suffix}"

    def exists(self, sha256: str) -> bool:
        return self.path_for(sha256).is_file()

    def new_temp_file(self, suffix: str = TEMP_SUFFIX) -> tuple[int, Path]:
        self.temp_dir.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=self.temp_dir, prefix=TEMP_PREFIX, suffix=suffix)
        return fd, Path(name)

    def spool(self) -> HashingSpool:
        """A new ``HashingSpool`` in this store's ``tmp/``."""
        return HashingSpool(self.temp_dir)

    # Writing ---------------------------------------------------------------------------------
    def stage(self, stream: BinaryIO, *, max_bytes: int | None = None) -> StagedBlob:
        """Copy ``stream`` to a temporary file in chunks, hashing and counting as it goes.
        Raises ``TooLarge`` (keeping nothing) as soon as more than ``max_bytes`` arrive.
        A ``HashingSpool`` of this store that was written straight through is taken over
        instead: it is already a hashed temporary file here, so it is only fsynced."""
        if isinstance(stream, HashingSpool) and stream.path.parent == self.temp_dir \
                and not stream.taken and (known := stream.digest()) is not None:
            sha256, size = known
            if max_bytes is not None and size > max_bytes:
                raise TooLarge(max_bytes)
            os.fsync(stream.fileno())
            stream.taken = True
            stream.seek(0)
            return StagedBlob(stream.path, sha256, size)
        fd, path = self.new_temp_file()
        digest, size = hashlib.sha256(), 0
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(CHUNK_SIZE):
                    size += len(chunk)
                    if max_bytes is not None and size > max_bytes:
                        raise TooLarge(max_bytes)
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return StagedBlob(path, digest.hexdigest(), size)

    def commit(self, staged: StagedBlob) -> Path:
        """Move a staged file to its content address. If that content is already stored the
        temporary file is dropped and the stored blob's time refreshed (so ``sweep`` gives the
        request that is about to point a row at it its grace period)."""
        final = self.path_for(staged.sha256)
        final.parent.mkdir(parents=True, exist_ok=True)
        if final.exists():
            staged.path.unlink(missing_ok=True)
            os.utime(final)
            return final
        os.chmod(staged.path, 0o640)
        os.replace(staged.path, final)
        _fsync_dir(final.parent)
        return final

    def discard(self, staged: StagedBlob) -> None:
        staged.path.unlink(missing_ok=True)

    def write_preview(self, sha256: str, suffix: str, make: Callable[[Path], bool]) -> Path | None:
        """Make a preview file with ``make(temp_path) -> ok`` and move it into place."""
        fd, temp = self.new_temp_file(suffix)
        os.close(fd)
        try:
            if not make(temp):
                return None
            final = self.preview_path(sha256, suffix)
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(temp, final)
            return final
        finally:
            temp.unlink(missing_ok=True)

    # Reading and cleaning --------------------------------------------------------------------
    def iter_blobs(self) -> Iterator[tuple[str, Path]]:
        """(sha256, path) of every blob under a content address."""
        if not self.root.is_dir():
            return
        for first in sorted(self.root.iterdir()):
            if not (first.is_dir() and _HEX2.fullmatch(first.name)):
                continue
            for second in sorted(first.iterdir()):
                if not (second.is_dir() and _HEX2.fullmatch(second.name)):
                    continue
                for blob in sorted(second.iterdir()):
                    if _SHA256.fullmatch(blob.name) and blob.name[:4] == first.name + second.name:
                        yield blob.name, blob

    def sweep(self, referenced: set[str], *, still_referenced: Callable[[str], bool] = lambda s: False,
              grace_seconds: float = DEFAULT_GRACE_SECONDS, dry_run: bool = False,
              now: float | None = None) -> SweepReport:
        """Remove blobs whose hash is not in ``referenced`` (checked once more with
        ``still_referenced`` just before removal), temporary files, and previews of blobs that
        are gone. Anything modified within ``grace_seconds`` is left alone: it may belong to a
        request that has stored a file and not yet committed its row."""
        now = time.time() if now is None else now
        report = SweepReport()

        def old(path: Path) -> bool:
            return now - path.stat().st_mtime >= grace_seconds

        def remove(path: Path, bucket: list[Path]) -> None:
            size = path.stat().st_size
            if not dry_run:
                path.unlink(missing_ok=True)
            bucket.append(path)
            report.bytes_freed += size

        present = set()
        for sha256, path in self.iter_blobs():
            if sha256 in referenced or not old(path) or still_referenced(sha256):
                present.add(sha256)
                continue
            remove(path, report.blobs)
        if self.temp_dir.is_dir():
            for path in sorted(self.temp_dir.iterdir()):
                if path.is_file() and path.name.startswith(TEMP_PREFIX) and old(path):
                    remove(path, report.temp_files)
        preview_root = self.root / PREVIEW_DIR
        if preview_root.is_dir():
            for path in sorted(preview_root.glob("*/*")):
                if path.is_file() and path.name[:64] not in present:
                    remove(path, report.previews)
        return report
