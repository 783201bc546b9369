"""The blob store: streamed, hashed, content-addressed, crash-safe, and swept."""
from __future__ import annotations

import hashlib
import io
import os
import resource
import signal
import time
import tracemalloc

import pytest

from lgo_assess.evidence.storage import BlobStore, TooLarge


class ChunkedStream(io.RawIOBase):
    """``size`` bytes of a repeating pattern, produced on demand (never held in memory)."""

    def __init__(self, size: int):
        self.size, self.position = size, 0
        self.pattern = bytes(range(256)) * 4096          # 1 MiB

    def readable(self):
        return True

    def readinto(self, buffer):
        n = min(len(buffer), self.size - self.position, len(self.pattern))
        start = self.position % len(self.pattern)
        first = min(n, len(self.pattern) - start)
        view = memoryview(self.pattern)
        buffer[:first] = view[start:start + first]
        buffer[first:n] = view[:n - first]
        self.position += n
        return n


def expected_digest(size: int) -> str:
    digest, stream = hashlib.sha256(), ChunkedStream(size)
    while block := stream.read(1 << 20):
        digest.update(block)
    return digest.hexdigest()


def test_a_stream_is_stored_under_its_sha256(tmp_path):
    store = BlobStore(tmp_path)
    staged = store.stage(io.BytesIO(b"evidence"), max_bytes=100)
    assert staged.path.parent == tmp_path / "tmp" and staged.path.name.endswith(".part")
    final = store.commit(staged)
    digest = hashlib.sha256(b"evidence").hexdigest()
    assert final == tmp_path / digest[:2] / digest[2:4] / digest
    assert final.read_bytes() == b"evidence"
    assert not staged.path.exists()
    assert list(store.iter_blobs()) == [(digest, final)]


def test_the_same_content_is_stored_once(tmp_path):
    store = BlobStore(tmp_path)
    first = store.commit(store.stage(io.BytesIO(b"same bytes")))
    second = store.commit(store.stage(io.BytesIO(b"same bytes")))
    assert first == second
    assert len(list(store.iter_blobs())) == 1
    assert list((tmp_path / "tmp").iterdir()) == []


def test_too_large_a_stream_leaves_nothing_behind(tmp_path):
    store = BlobStore(tmp_path)
    with pytest.raises(TooLarge):
        store.stage(io.BytesIO(b"x" * 101), max_bytes=100)
    assert list((tmp_path / "tmp").iterdir()) == []
    assert store.stage(io.BytesIO(b"x" * 100), max_bytes=100).size == 100


def test_a_failure_while_writing_leaves_no_file_under_a_content_address(tmp_path):
    class Broken(io.RawIOBase):
        def readable(self):
            return True

        def readinto(self, buffer):
            raise OSError("connection reset")

    store = BlobStore(tmp_path)
    with pytest.raises(OSError):
        store.stage(Broken())
    assert list(store.iter_blobs()) == []
    assert list((tmp_path / "tmp").iterdir()) == []


def test_only_hex_digests_name_blobs(tmp_path):
    store = BlobStore(tmp_path)
    for bad in ("../../etc/passwd", "A" * 64, "0" * 63, "", "g" * 64):
        with pytest.raises(ValueError):
            store.path_for(bad)


def test_streaming_a_large_upload_uses_little_memory(tmp_path):
    size = 64 * 1024 * 1024
    store, stream = BlobStore(tmp_path), ChunkedStream(size)
    tracemalloc.start()
    try:
        staged = store.stage(stream)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert staged.size == size and staged.sha256 == expected_digest(size)
    assert peak < 4 * 1024 * 1024, f"staging 64 MB allocated {peak} bytes at the peak"


def _age(path, seconds):
    past = time.time() - seconds
    os.utime(path, (past, past))


def test_sweep_removes_orphans_stale_temp_files_and_their_previews_only(tmp_path):
    store = BlobStore(tmp_path)
    kept = store.commit(store.stage(io.BytesIO(b"kept")))
    orphan = store.commit(store.stage(io.BytesIO(b"orphan")))
    young_orphan = store.commit(store.stage(io.BytesIO(b"young orphan")))
    stale_temp = store.stage(io.BytesIO(b"half an upload")).path
    fresh_temp = store.stage(io.BytesIO(b"an upload in progress")).path
    orphan_preview = store.preview_path(orphan.name, ".png")
    orphan_preview.parent.mkdir(parents=True)
    orphan_preview.write_bytes(b"png")
    for path in (kept, orphan, stale_temp, orphan_preview):
        _age(path, 7200)

    dry = store.sweep({kept.name}, dry_run=True)
    assert set(dry.removed) == {orphan, stale_temp, orphan_preview}
    assert orphan.exists() and stale_temp.exists()

    report = store.sweep({kept.name})
    assert report.blobs == [orphan] and report.temp_files == [stale_temp]
    assert report.previews == [orphan_preview]
    assert report.bytes_freed == len(b"orphan") + len(b"half an upload") + 3
    assert kept.exists() and young_orphan.exists() and fresh_temp.exists()
    assert not orphan.exists() and not stale_temp.exists() and not orphan_preview.exists()


def test_sweep_checks_again_before_removing(tmp_path):
    """A blob that a row started pointing at after the snapshot was taken is kept."""
    store = BlobStore(tmp_path)
    blob = store.commit(store.stage(io.BytesIO(b"just linked")))
    _age(blob, 7200)
    report = store.sweep(set(), still_referenced=lambda sha256: sha256 == blob.name)
    assert report.blobs == [] and blob.exists()


def test_storing_known_content_refreshes_its_age_so_sweep_spares_it(tmp_path):
    store = BlobStore(tmp_path)
    blob = store.commit(store.stage(io.BytesIO(b"reused")))
    _age(blob, 7200)
    store.commit(store.stage(io.BytesIO(b"reused")))   # a new upload of the same content
    assert store.sweep(set()).blobs == []


def test_a_spool_written_in_order_is_staged_in_place_with_the_hash_of_its_bytes(tmp_path):
    store = BlobStore(tmp_path)
    data = os.urandom(3 * 1024 * 1024 + 17)
    spool = store.spool()
    for start in range(0, len(data), 65536):            # as the form parser writes
        spool.write(data[start:start + 65536])
    spool.seek(0)
    staged = store.stage(spool)
    assert staged.path == spool.path                     # taken over: no second copy
    assert (staged.sha256, staged.size) == (hashlib.sha256(data).hexdigest(), len(data))
    spool.close()                                        # the request ends
    assert store.commit(staged).read_bytes() == data
    assert list(store.temp_dir.iterdir()) == []


def test_a_spool_written_out_of_order_is_copied_and_hashed_from_its_content(tmp_path):
    store = BlobStore(tmp_path)
    spool = store.spool()
    spool.write(b"%PDF-1.4 first draft")
    spool.seek(0)
    spool.write(b"%PDF-1.7")                             # rewritten: the running hash is void
    spool.seek(0)
    staged = store.stage(spool)
    assert staged.path != spool.path
    assert staged.sha256 == hashlib.sha256(b"%PDF-1.7 first draft").hexdigest()
    spool.close()
    assert not spool.path.exists()                       # not taken over: removed on close


def test_a_spool_read_while_being_written_holds_every_byte_and_keeps_its_hash(tmp_path):
    """Batches are hashed and written in a worker thread: any other use of the file waits for
    them, so a reader in the middle sees every byte written so far, in order."""
    store = BlobStore(tmp_path)
    data = os.urandom(5 * 1024 * 1024 + 3)
    spool = store.spool()
    middle = 2 * 1024 * 1024 + 65536
    for start in range(0, middle, 65536):
        spool.write(data[start:start + 65536])
    assert spool.tell() == middle
    spool.seek(0)
    assert spool.read() == data[:middle]                 # the position is back at the end
    for start in range(middle, len(data), 65536):
        spool.write(data[start:start + 65536])
    staged = store.stage(spool)
    assert staged.path == spool.path
    assert (staged.sha256, staged.size) == (hashlib.sha256(data).hexdigest(), len(data))
    spool.close()


def test_a_spool_keeps_the_bytes_as_they_were_when_written(tmp_path):
    store = BlobStore(tmp_path)
    spool = store.spool()
    buffer = bytearray(b"a" * 4096)
    spool.write(buffer)
    buffer[:] = b"b" * 4096                               # the caller reuses its buffer
    spool.write(memoryview(buffer))
    staged = store.stage(spool)
    expected = b"a" * 4096 + b"b" * 4096
    assert staged.sha256 == hashlib.sha256(expected).hexdigest()
    spool.close()
    assert store.commit(staged).read_bytes() == expected


def test_a_spool_whose_worker_cannot_write_fails_every_later_use_and_leaves_nothing(tmp_path):
    """A batch written by the worker thread fails (here: a real file size limit, EFBIG): the
    error reaches the request's thread, no later use of the spool pretends the file is whole,
    and closing it removes the file."""
    store = BlobStore(tmp_path)
    spool = store.spool()
    piece = os.urandom(65536)
    old_limit = resource.getrlimit(resource.RLIMIT_FSIZE)
    old_handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (1024 * 1024, old_limit[1]))
    try:
        with pytest.raises(OSError):
            for _ in range(64):                          # 4 MiB: several batches
                spool.write(piece)
            spool.seek(0)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, old_limit)
        signal.signal(signal.SIGXFSZ, old_handler)
    with pytest.raises(OSError):
        store.stage(spool)
    spool.close()
    assert list(store.temp_dir.iterdir()) == []


def test_a_spool_larger_than_the_limit_is_refused_and_removed(tmp_path):
    store = BlobStore(tmp_path)
    spool = store.spool()
    spool.write(b"x" * 1001)
    with pytest.raises(TooLarge):
        store.stage(spool, max_bytes=1000)
    spool.close()
    assert list(store.temp_dir.iterdir()) == []
