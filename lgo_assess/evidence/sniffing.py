"""What an uploaded file really is, judged by its content, never by its name.

Pure: no Flask. The allow-list is small (PDF, JPEG, PNG, DOCX, XLSX, ODT, ODS), so the checks are
written here rather than borrowed: libmagic and ``filetype`` only read the first bytes, and would
pass a PDF with a ZIP appended, a Word file with macros or an ODF file carrying Basic scripts.
Each check reads what it needs (the first and last few KiB, the ZIP central directory, the first
bytes of each archive member), never the whole file, so large files cost no memory.

``sniff`` returns the ``FileType`` or raises ``Refusal`` with a reason code and details; the
caller turns the code into a translated message.
"""
from __future__ import annotations

import io
import lzma
import os
import re
import struct
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import BinaryIO


@dataclass(frozen=True)
class FileType:
    code: str
    label: str                      # a name people know, the same in Thai and English
    content_type: str
    extensions: tuple[str, ...]     # accepted name endings, the first is the usual one

    @property
    def extension(self) -> str:
        return self.extensions[0]


PDF = FileType("pdf", "PDF", "application/pdf", ("pdf",))
JPEG = FileType("jpeg", "JPEG", "image/jpeg", ("jpg", "jpeg", "jpe", "jfif"))
PNG = FileType("png", "PNG", "image/png", ("png",))
DOCX = FileType("docx", "Word (DOCX)",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                ("docx",))
XLSX = FileType("xlsx", "Excel (XLSX)",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ("xlsx",))
ODT = FileType("odt", "OpenDocument Text (ODT)", "application/vnd.oasis.opendocument.text",
               ("odt",))
ODS = FileType("ods", "OpenDocument Spreadsheet (ODS)",
               "application/vnd.oasis.opendocument.spreadsheet", ("ods",))
ALLOWED: tuple[FileType, ...] = (PDF, JPEG, PNG, DOCX, XLSX, ODT, ODS)
BY_CONTENT_TYPE = {t.content_type: t for t in ALLOWED}
ACCEPT_ATTRIBUTE = ",".join(f".{ext}" for t in ALLOWED for ext in t.extensions)
MACRO_EXTENSIONS = frozenset({"docm", "dotm", "xlsm", "xltm", "xlam", "xlsb", "pptm", "potm",
                              "ppsm", "ppam", "sldm"})

# Limits on ZIP containers (CISO Assistant's values): refuse rather than ever inflate a bomb.
MAX_MEMBERS = 10_000
MAX_TOTAL_UNCOMPRESSED = 300 * 1024 * 1024
MAX_RATIO = 200
TRAILER_ALLOWANCE = 1024            # bytes after a PDF's %%EOF or a PNG's IEND we tolerate

# Refusal reasons --------------------------------------------------------------------------------
EMPTY = "empty"
ARCHIVE = "archive"                 # details: format
NESTED_ARCHIVE = "nested_archive"   # details: member
EXECUTABLE = "executable"           # details: format (and member, if inside a document)
MARKUP = "markup"                   # HTML, SVG, XML: could run script if ever shown inline
MACROS = "macros"
PACKAGE = "package"                 # an OLE "Package" object: a file of any kind inside
POLYGLOT = "polyglot"               # details: format, other
OLD_OFFICE = "old_office"
UNSUPPORTED = "unsupported"         # details: format (if known)
DAMAGED = "damaged"                 # details: format
ENCRYPTED = "encrypted"
BOMB = "bomb"
EXTENSION_MISMATCH = "extension_mismatch"   # details: extension, format


@dataclass
class Refusal(Exception):
    reason: str
    details: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.reason} {self.details}"


# Signatures of refused formats: (format name, reason, test on the first bytes) ---------------
_FOREIGN: tuple[tuple[str, str, callable], ...] = (
    ("ZIP", ARCHIVE, lambda h: h[:4] in (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")),
    ("RAR", ARCHIVE, lambda h: h.startswith(b"Rar!\x1a\x07")),
    ("7-Zip", ARCHIVE, lambda h: h.startswith(b"7z\xbc\xaf\x27\x1c")),
    ("gzip", ARCHIVE, lambda h: h.startswith(b"\x1f\x8b")),
    ("bzip2", ARCHIVE, lambda h: h.startswith(b"BZh") and h[3:4].isdigit()),
    ("xz", ARCHIVE, lambda h: h.startswith(b"\xfd7zXZ\x00")),
    ("Zstandard", ARCHIVE, lambda h: h.startswith(b"\x28\xb5\x2f\xfd")),
    ("CAB", ARCHIVE, lambda h: h.startswith(b"MSCF\x00\x00\x00\x00")),
    ("tar", ARCHIVE, lambda h: h[257:262] == b"ustar"),
    ("Windows executable", EXECUTABLE, lambda h: _is_pe(h)),
    ("ELF executable", EXECUTABLE, lambda h: h.startswith(b"\x7fELF")),
    ("Mach-O executable", EXECUTABLE, lambda h: h[:4] in (
        b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe",
        b"\xca\xfe\xba\xbe")),
    ("script", EXECUTABLE, lambda h: h.startswith(b"#!")),
    ("PDF", UNSUPPORTED, lambda h: h.startswith(b"%PDF-")),
    ("HTML/XML", MARKUP, lambda h: _markup_start(h)),
)
# Long enough to search for anywhere in a trailer without false alarms in compressed data.
_FOREIGN_ANYWHERE = (b"rar!\x1a\x07", b"7z\xbc\xaf\x27\x1c", b"\xfd7zxz\x00", b"%pdf-",
                     b"<script", b"<html")
_MARKUP_IN_HEAD = re.compile(rb"<\s*(script|html|body|svg|iframe|object|embed|!doctype)\b", re.I)


def _is_pe(head: bytes) -> bool:
    if not head.startswith(b"MZ") or len(head) < 64:
        return head.startswith(b"MZ\x90\x00") or head.startswith(b"MZP\x00")
    (offset,) = struct.unpack_from("<I", head, 0x3C)
    if offset + 4 <= len(head):
        return head[offset:offset + 4] == b"PE\x00\x00"
    return 0 < offset < 1 << 16


def _markup_start(head: bytes) -> bool:
    text = head.lstrip(b"\xef\xbb\xbf\xfe\xff\x00 \t\r\n")
    return text.startswith(b"<")


def foreign_format(head: bytes) -> tuple[str, str] | None:
    """(format, reason) if ``head`` opens a refused format, else None."""
    for name, reason, test in _FOREIGN:
        if test(head):
            return name, reason
    return None


# What a malformed archive can raise from zipfile and its decompressors.
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, NotImplementedError,
               RuntimeError, ValueError, KeyError, struct.error, zlib.error, lzma.LZMAError)


# Reading helpers ---------------------------------------------------------------------------------
def _size(f: BinaryIO) -> int:
    return f.seek(0, os.SEEK_END)


def _read_at(f: BinaryIO, offset: int, n: int) -> bytes:
    f.seek(offset)
    return f.read(n)


def _scan(f: BinaryIO, start: int, patterns: tuple[bytes, ...], chunk: int = 1 << 20) -> bool:
    """Whether any pattern occurs in the file from ``start`` on, read in chunks."""
    overlap = max(len(p) for p in patterns) - 1
    f.seek(start)
    carry = b""
    while block := f.read(chunk):
        window = (carry + block).lower()
        if any(p in window for p in patterns):
            return True
        carry = window[-overlap:]
    return False


def _trailer_is_foreign(f: BinaryIO, start: int, size: int, fmt: str,
                        allowance: int | None) -> None:
    """Refuse data after the format's end marker that makes the file also something else."""
    head = _read_at(f, start, 4096).lstrip(b"\x00 \t\r\n")
    if not head:
        return
    other = foreign_format(head)
    if other or head.startswith(b"\xef\xbb\xbf<"):
        raise Refusal(POLYGLOT, {"format": fmt, "other": other[0] if other else "HTML/XML"})
    if allowance is not None and size - start > allowance:
        raise Refusal(POLYGLOT, {"format": fmt, "other": "?"})
    if _scan(f, start, _FOREIGN_ANYWHERE):
        raise Refusal(POLYGLOT, {"format": fmt, "other": "?"})


def _is_zip(f: BinaryIO) -> bool:
    f.seek(0)
    try:
        return zipfile.is_zipfile(f)
    finally:
        f.seek(0)


# The formats -------------------------------------------------------------------------------------
def _check_pdf(f: BinaryIO, size: int, head: bytes) -> FileType:
    if _MARKUP_IN_HEAD.search(head[:1024]):
        raise Refusal(POLYGLOT, {"format": "PDF", "other": "HTML"})
    tail_start = max(0, size - 65536)
    tail = _read_at(f, tail_start, 65536)
    end = tail.rfind(b"%%EOF")
    if end < 0:
        raise Refusal(DAMAGED, {"format": "PDF"})
    _trailer_is_foreign(f, tail_start + end + 5, size, "PDF", TRAILER_ALLOWANCE)
    return PDF


def _check_png(f: BinaryIO, size: int) -> FileType:
    offset = 8
    while True:
        header = _read_at(f, offset, 8)
        if len(header) < 8:
            raise Refusal(DAMAGED, {"format": "PNG"})
        length, kind = struct.unpack(">I4s", header)
        offset += 12 + length
        if offset > size:
            raise Refusal(DAMAGED, {"format": "PNG"})
        if kind == b"IEND":
            break
    _trailer_is_foreign(f, offset, size, "PNG", TRAILER_ALLOWANCE)
    return PNG


def _jpeg_end(f: BinaryIO, size: int) -> int:
    """The offset just past the first image's EOI marker, walking the segment structure."""
    offset = 2
    while offset < size:
        marker = _read_at(f, offset, 4)
        if len(marker) < 2 or marker[0] != 0xFF:
            raise Refusal(DAMAGED, {"format": "JPEG"})
        code = marker[1]
        if code == 0xFF:                    # fill byte
            offset += 1
            continue
        if code == 0xD9:                    # EOI
            return offset + 2
        if code == 0x01 or 0xD0 <= code <= 0xD7:
            offset += 2
            continue
        if len(marker) < 4:
            raise Refusal(DAMAGED, {"format": "JPEG"})
        (length,) = struct.unpack(">H", marker[2:4])
        offset += 2 + length
        if code == 0xDA:                    # SOS: entropy-coded data up to the next marker
            offset = _skip_entropy(f, offset, size)
    raise Refusal(DAMAGED, {"format": "JPEG"})


def _skip_entropy(f: BinaryIO, offset: int, size: int, chunk: int = 1 << 20) -> int:
    f.seek(offset)
    while offset < size:
        block = f.read(chunk + 1)
        if not block:
            break
        i = 0
        while True:
            i = block.find(b"\xff", i)
            if i < 0 or i + 1 >= len(block):
                break
            nxt = block[i + 1]
            if nxt != 0x00 and not 0xD0 <= nxt <= 0xD7 and nxt != 0xFF:
                return offset + i
            i += 1 if nxt == 0xFF else 2
        offset += max(len(block) - 1, 1)
        f.seek(offset)
    raise Refusal(DAMAGED, {"format": "JPEG"})


def _check_jpeg(f: BinaryIO, size: int) -> FileType:
    end = _jpeg_end(f, size)
    # Phones append more images (MPF) or a short video after the first image: allowed, as long
    # as what follows is not another kind of file.
    _trailer_is_foreign(f, end, size, "JPEG", None)
    return JPEG


_ODF_MIMETYPES = {"application/vnd.oasis.opendocument.text": ODT,
                  "application/vnd.oasis.opendocument.spreadsheet": ODS}
_OOXML_MAIN = {
    b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml":
        (DOCX, "word/document.xml"),
    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml":
        (XLSX, "xl/workbook.xml"),
}
_MACRO_MARKERS = (b"macroenabled", b"vbaproject", b"macrosheet", b"vbadata", b"activex")
_OFFICE_EMBEDDINGS = re.compile(r"(^|/)embeddings/[^/]+\.(xlsx|docx|pptx)$", re.I)
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _check_zip(f: BinaryIO, size: int, head: bytes) -> FileType:
    if b"%PDF-" in head[:1024]:
        raise Refusal(POLYGLOT, {"format": "ZIP", "other": "PDF"})
    f.seek(0)
    try:
        archive = zipfile.ZipFile(f)
        members = archive.infolist()
    except _ZIP_ERRORS:
        raise Refusal(DAMAGED, {"format": "ZIP"}) from None
    if not members or members[0].header_offset != 0:
        raise Refusal(DAMAGED, {"format": "ZIP"})
    if len(members) > MAX_MEMBERS:
        raise Refusal(BOMB)
    total = 0
    for info in members:
        if info.flag_bits & 0x1:
            raise Refusal(ENCRYPTED)
        total += info.file_size
        if total > MAX_TOTAL_UNCOMPRESSED or (
                info.compress_size and info.file_size / info.compress_size > MAX_RATIO
                and info.file_size > 1024 * 1024):
            raise Refusal(BOMB)
    names = {info.filename.lower(): info for info in members}
    try:
        kind = _container_kind(archive, members, names)
        _check_members(archive, members, kind)
    except _ZIP_ERRORS:
        raise Refusal(DAMAGED, {"format": "ZIP"}) from None
    return kind


def _container_kind(archive: zipfile.ZipFile, members, names) -> FileType:
    first = members[0]
    if first.filename == "mimetype":
        declared = archive.read(first)[:200].decode("ascii", "replace").strip()
        kind = _ODF_MIMETYPES.get(declared)
        if any(name.startswith(("basic/", "scripts/")) for name in names):
            raise Refusal(MACROS)
        if kind is None:
            raise Refusal(UNSUPPORTED, {"format": declared or "OpenDocument"})
        if first.compress_type != zipfile.ZIP_STORED or "content.xml" not in names:
            raise Refusal(DAMAGED, {"format": kind.label})
        return kind
    types = names.get("[content_types].xml")
    if types is None:
        raise Refusal(ARCHIVE, {"format": "ZIP"})
    with archive.open(types) as handle:
        declared = handle.read(1024 * 1024).lower()
    if any(marker in declared for marker in _MACRO_MARKERS) or any(
            name.rsplit("/", 1)[-1] in ("vbaproject.bin", "vbadata.xml")
            or "/macrosheets/" in f"/{name}" or "/activex/" in f"/{name}" for name in names):
        raise Refusal(MACROS)
    for content_type, (kind, main_part) in _OOXML_MAIN.items():
        if content_type in declared:
            if main_part not in names:
                raise Refusal(DAMAGED, {"format": kind.label})
            return kind
    raise Refusal(UNSUPPORTED, {"format": "Office Open XML"})


def _check_members(archive: zipfile.ZipFile, members, kind: FileType) -> None:
    """No programs, archives or file packages hidden inside the document."""
    for info in members:
        if info.is_dir() or info.file_size == 0:
            continue
        with archive.open(info) as handle:
            head = handle.read(512)
        other = foreign_format(head)
        name = info.filename
        if other and other[1] == EXECUTABLE and other[0] != "script":
            raise Refusal(EXECUTABLE, {"format": other[0], "member": name})
        if other and other[0] == "ZIP":
            if _OFFICE_EMBEDDINGS.search(name):
                continue            # a chart's workbook, embedded as Office always does
            raise Refusal(NESTED_ARCHIVE, {"member": name})
        if other and other[1] == ARCHIVE:
            raise Refusal(NESTED_ARCHIVE, {"member": name})
        if head.startswith(_OLE) and _ole_holds_package(archive, info):
            raise Refusal(PACKAGE, {"member": name})


def _ole_holds_package(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """An OLE object wrapping an arbitrary file (an "Ole10Native" stream): the classic way to
    hide a program in an Office document. Embedded workbooks and equations are not refused."""
    with archive.open(info) as handle:
        data = handle.read(4 * 1024 * 1024)
    return "Ole10Native".encode("utf-16-le") in data


# The entry point -----------------------------------------------------------------------------
def extension_of(filename: str) -> str:
    name = filename.rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[1].lower() if "." in name.strip(".") else ""


def sniff(f: BinaryIO, filename: str = "") -> FileType:
    """The allowed type of the file's content, or ``Refusal``. ``filename`` (already
    sanitised) only serves to catch a name that contradicts the content."""
    size = _size(f)
    if size == 0:
        raise Refusal(EMPTY)
    extension = extension_of(filename)
    head = _read_at(f, 0, 4096)
    try:
        kind = _sniff_content(f, size, head)
    except Refusal as refusal:
        if extension:
            refusal.details.setdefault("extension", extension)
        raise
    finally:
        f.seek(0)
    if extension in MACRO_EXTENSIONS:
        raise Refusal(MACROS, {"extension": extension})
    if extension and extension not in kind.extensions:
        raise Refusal(EXTENSION_MISMATCH, {"extension": extension, "format": kind.label})
    return kind


def _sniff_content(f: BinaryIO, size: int, head: bytes) -> FileType:
    if head.startswith(b"%PDF-"):
        kind = _check_pdf(f, size, head)
    elif head.startswith(b"\xff\xd8\xff"):
        kind = _check_jpeg(f, size)
    elif head.startswith(b"\x89PNG\r\n\x1a\n"):
        kind = _check_png(f, size)
    elif head.startswith(b"PK\x03\x04"):
        return _check_zip(f, size, head)
    elif head.startswith(_OLE):
        raise Refusal(OLD_OFFICE)
    else:
        other = foreign_format(head)
        if other:
            raise Refusal(other[1], {"format": other[0]})
        raise Refusal(UNSUPPORTED, {})
    if _is_zip(f):
        raise Refusal(POLYGLOT, {"format": kind.label, "other": "ZIP"})
    return kind


# Names ---------------------------------------------------------------------------------------
_BIDI_AND_INVISIBLE = {"\u200b", "\u200e", "\u200f", "\u202a", "\u202b", "\u202c", "\u202d",
                       "\u202e", "\u2066", "\u2067", "\u2068", "\u2069", "\ufeff"}
MAX_NAME_LENGTH = 200


def display_name(raw: str | None, fallback: str = "evidence") -> str:
    """A name safe to show and to offer in a download header; never used as a path.

    Keeps Thai and other letters (NFC-normalised); keeps only the last path component (so
    ``../../etc/passwd`` becomes ``passwd`` and ``C:\\Users\\x\\plan.pdf`` becomes ``plan.pdf``);
    drops control characters, NUL and the bidirectional overrides that make ``gpj.exe`` read as
    ``exe.jpg``; trims leading dots and spaces; shortens very long names, keeping the extension.
    """
    name = unicodedata.normalize("NFC", raw or "")
    name = "".join(ch for ch in name if ch not in _BIDI_AND_INVISIBLE
                   and unicodedata.category(ch) not in ("Cc", "Cs", "Co", "Cn"))
    name = re.split(r"[/\\]", name)[-1]
    name = re.sub(r"\s+", " ", name).strip().lstrip(". ").rstrip(" ")
    if name in ("", ".", ".."):
        return fallback
    if len(name) > MAX_NAME_LENGTH:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 10:
            name = stem[:MAX_NAME_LENGTH - len(ext) - 1].rstrip() + "." + ext
        else:
            name = name[:MAX_NAME_LENGTH]
    return name


def sniff_bytes(data: bytes, filename: str = "") -> FileType:
    """``sniff`` for data already in memory (tests, small inputs)."""
    return sniff(io.BytesIO(data), filename)
