"""Evidence services: the only code that writes evidence items and blobs.

Hooks for packages that build on evidence (they import this module; it never imports them):

- ``DELETION_GUARDS``: ``(item) -> str | None``; a message refuses the deletion (assessments:
  "cited by a submitted assessment").
- ``CITATION_PROVIDERS``: ``(item) -> [(label, url), …]``: where the item is cited, shown on
  its page and in the library.
- ``policies.ACCESS_GRANTERS``: who else may see an item (review: assigned assessors).
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import BinaryIO, Callable
from urllib.parse import urlsplit

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.exc import StaleDataError

from lgo_assess.core.audit import record
from lgo_assess.core.db import db, utcnow
from lgo_assess.core.errors import Conflict, Invalid
from lgo_assess.core.thaidate import today_bangkok
from lgo_assess.evidence import queries, sniffing
from lgo_assess.evidence.models import EvidenceItem, EvidenceKind
from lgo_assess.evidence.storage import (DEFAULT_GRACE_SECONDS, BlobStore, StagedBlob,
                                         SweepReport, TooLarge)
from lgo_assess.registry.models import Lgo

DELETION_GUARDS: list[Callable[[EvidenceItem], str | None]] = []
CITATION_PROVIDERS: list[Callable[[EvidenceItem], list[tuple[str, str]]]] = []

TITLE_MAX = 300
URL_MAX = 2000
ACCEPTED_EXTENSIONS = frozenset(ext for kind in sniffing.ALLOWED for ext in kind.extensions)


@dataclass(frozen=True)
class EvidenceSettings:
    root: Path
    max_bytes: int
    quota_bytes: int

    @classmethod
    def from_config(cls, config) -> "EvidenceSettings":
        return cls(Path(config["EVIDENCE_DIR"]), int(config["EVIDENCE_MAX_BYTES"]),
                   int(config["EVIDENCE_QUOTA_BYTES"]))

    @property
    def store(self) -> BlobStore:
        return BlobStore(self.root)


def human_size(size: int | None) -> str:
    """``1.5 MB``: decimal units, as people read them on their own computers."""
    if size is None:
        return ""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:,.0f} {unit}" if unit == "B" else f"{value:,.1f} {unit}"
        value /= 1000
    return f"{value:,.1f} TB"  # pragma: no cover


# Why a file was refused, in words ----------------------------------------------------------------
_REFUSALS = {
    sniffing.EMPTY: _l("The file is empty (0 bytes)."),
    sniffing.ARCHIVE: _l("This is a %(format)s archive. Archives are not accepted: upload the "
                         "documents inside it one by one."),
    sniffing.NESTED_ARCHIVE: _l("The document contains an archive (%(member)s). Remove it and "
                                "upload the document again."),
    sniffing.EXECUTABLE: _l("This is a program (%(format)s). Programs are not accepted."),
    sniffing.MARKUP: _l("Web pages, SVG images and other markup files are not accepted: save "
                        "or print the page as PDF."),
    sniffing.MACROS: _l("Documents with macros (such as .docm or .xlsm) are not accepted: save "
                        "it as .docx or .xlsx without macros and upload it again."),
    sniffing.PACKAGE: _l("The document contains an embedded file package (%(member)s), which "
                         "can hide a program: remove the embedded object and upload again."),
    sniffing.POLYGLOT: _l("The file is a %(format)s with other data hidden in it (%(other)s). "
                          "Save it again from the program that made it and upload the new "
                          "file."),
    sniffing.OLD_OFFICE: _l("Old Office formats (.doc, .xls, .ppt) are not accepted: save it "
                            "as .docx, .xlsx or PDF."),
    sniffing.UNSUPPORTED: _l("This kind of file is not accepted. Accepted: PDF, JPEG, PNG, "
                             "DOCX, XLSX, ODT and ODS."),
    sniffing.DAMAGED: _l("The %(format)s file seems damaged or incomplete. Save it again and "
                         "upload the new file."),
    sniffing.ENCRYPTED: _l("The file is protected by a password. Upload a copy without one."),
    sniffing.BOMB: _l("The document unpacks to an unusually large size and was refused."),
    sniffing.EXTENSION_MISMATCH: _l("The name ends in .%(extension)s but the content is "
                                    "%(format)s. Rename the file or upload the right one."),
}


def refusal_message(refusal: sniffing.Refusal) -> str:
    details = {"format": "?", "member": "?", "other": "?", "extension": "", **refusal.details}
    if refusal.reason == sniffing.EXECUTABLE and "member" in refusal.details:
        message = _("The document contains a program (%(member)s). Remove it and upload the "
                    "document again.", member=details["member"])
    elif refusal.reason == sniffing.POLYGLOT and details["other"] == "?":
        message = _("The file is a %(format)s with other data appended to it. Save it again "
                    "from the program that made it and upload the new file.",
                    format=details["format"])
    else:
        message = str(_REFUSALS[refusal.reason]) % details
    claimed = refusal.details.get("extension")
    if claimed in ACCEPTED_EXTENSIONS and refusal.reason != sniffing.EXTENSION_MISMATCH:
        # The name claims an accepted type that the content is not: say both.
        message += " " + _("(The name ends in .%(extension)s.)",
                           extension=refusal.details["extension"])
    return message


class UploadRefused(Invalid):
    """Nothing was stored. ``errors`` maps the index of each refused upload to why."""

    def __init__(self, message=None, errors: dict[int, str] | None = None):
        super().__init__(message or _l("Nothing was saved: fix the files marked below and "
                                       "upload again."))
        self.errors = errors or {}


class StaleEdit(Conflict):
    """Someone saved the item since the editor loaded it. ``current`` is the saved item when
    known; after a clash at flush the caller must roll back and load it again."""

    def __init__(self, current: EvidenceItem | None):
        super().__init__(_l("Someone else changed this item while you were editing it. Their "
                            "version is shown beside yours: copy what you need and save again."))
        self.current = current


# Adding files --------------------------------------------------------------------------------
@dataclass
class Upload:
    stream: BinaryIO
    filename: str | None
    title: str | None = None


@dataclass(frozen=True)
class AddedFile:
    item: EvidenceItem
    created: bool           # False: the same content was already in this library


@dataclass
class _Accepted:
    upload: Upload
    blob: StagedBlob
    kind: sniffing.FileType
    name: str


def _default_title(name: str) -> str:
    stem, dot, extension = name.rpartition(".")
    return (stem if dot and stem and sniffing.extension_of(name) else name)[:TITLE_MAX]


def add_files(lgo: Lgo, fiscal_year: int, uploads: list[Upload], *, actor,
              settings: EvidenceSettings) -> list[AddedFile]:
    """Check and store files in the LGO's library for the fiscal year: all or nothing.

    Each file is streamed to a temporary file and judged by its content; if any is refused, or
    the batch would take the LGO over its quota, nothing is kept and ``UploadRefused`` says why.
    Otherwise the blobs move to their content addresses and one item per file is added (a file
    whose content is already in this library returns the existing item instead)."""
    if not uploads:
        raise UploadRefused(_l("Choose at least one file."))
    store = settings.store
    accepted: list[_Accepted] = []
    errors: dict[int, str] = {}
    try:
        for index, upload in enumerate(uploads):
            name = sniffing.display_name(upload.filename)
            title = (upload.title or "").strip()
            if len(title) > TITLE_MAX:
                errors[index] = _("The title can have at most %(n)d characters.", n=TITLE_MAX)
                continue
            try:
                blob = store.stage(upload.stream, max_bytes=settings.max_bytes)
            except TooLarge:
                errors[index] = _("The file is larger than the limit of %(limit)s.",
                                  limit=human_size(settings.max_bytes))
                continue
            try:
                with open(blob.path, "rb") as handle:
                    kind = sniffing.sniff(handle, name)
            except sniffing.Refusal as refusal:
                store.discard(blob)
                errors[index] = refusal_message(refusal)
                continue
            accepted.append(_Accepted(upload, blob, kind, name))
        if errors:
            raise UploadRefused(errors=errors)
        _check_quota(lgo, accepted, settings)
        added = [_add_file(lgo, fiscal_year, entry, actor=actor, store=store)
                 for entry in accepted]
    finally:
        for entry in accepted:
            store.discard(entry.blob)   # a no-op for the blobs already moved into place
    return added


def _check_quota(lgo: Lgo, accepted: list[_Accepted], settings: EvidenceSettings) -> None:
    new = {entry.blob.sha256: entry.blob.size for entry in accepted}
    for sha256 in queries.hashes_used_by(lgo.id, set(new)):
        new.pop(sha256)
    needed = sum(new.values())
    used = queries.storage_used(lgo.id)
    if needed and used + needed > settings.quota_bytes:
        left = max(settings.quota_bytes - used, 0)
        raise UploadRefused(_(
            "Not enough storage is left for this LGO: these files need %(needed)s, and "
            "%(left)s of its %(quota)s is left. Nothing was saved. Delete items you no longer "
            "need, or ask DLA to raise the limit.", needed=human_size(needed),
            left=human_size(left), quota=human_size(settings.quota_bytes)))


def _add_file(lgo: Lgo, fiscal_year: int, entry: _Accepted, *, actor,
              store: BlobStore) -> AddedFile:
    store.commit(entry.blob)
    existing = queries.find_duplicate(lgo.id, fiscal_year, entry.blob.sha256)
    if existing is not None:
        return AddedFile(existing, created=False)
    item = EvidenceItem(
        lgo_id=lgo.id, fiscal_year=fiscal_year, kind=EvidenceKind.FILE,
        title=(entry.upload.title or "").strip() or _default_title(entry.name),
        sha256=entry.blob.sha256, original_filename=entry.name,
        content_type=entry.kind.content_type, size_bytes=entry.blob.size,
        uploaded_by_id=actor.id, created_at=utcnow())
    db.session.add(item)
    db.session.flush()
    record(actor, "evidence.add_file", item, lgo_id=lgo.id, fiscal_year=fiscal_year,
           sha256=item.sha256, size=item.size_bytes, content_type=item.content_type,
           filename=item.original_filename)
    return AddedFile(item, created=True)


# Adding links --------------------------------------------------------------------------------
def check_url(url: str | None) -> str:
    """The address, trimmed, if it is an http(s) URL to a named or public host; else Invalid."""
    url = (url or "").strip()
    if not url or len(url) > URL_MAX or any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise Invalid(_l("Enter a web address starting with http:// or https://."), field="url")
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise Invalid(_l("Enter a web address starting with http:// or https://."),
                      field="url") from None
    if parts.scheme.lower() not in ("http", "https") or not host:
        raise Invalid(_l("Enter a web address starting with http:// or https://."), field="url")
    if parts.username or parts.password:
        raise Invalid(_l("The address must not contain a user name or password."), field="url")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is not None and not address.is_global:
        raise Invalid(_l("The address must be reachable on the internet, not a private one."),
                      field="url")
    return url


def add_link(lgo: Lgo, fiscal_year: int, *, url: str, title: str, accessed_on: date,
             note: str | None = None, description: str | None = None, actor) -> EvidenceItem:
    url = check_url(url)
    title = (title or "").strip()
    if not title or len(title) > TITLE_MAX:
        raise Invalid(_l("Enter a title of at most 300 characters."), field="title")
    if accessed_on is None or accessed_on > today_bangkok() + timedelta(days=1):
        raise Invalid(_l("The date you looked at the page cannot be in the future."),
                      field="accessed_on")
    item = EvidenceItem(lgo_id=lgo.id, fiscal_year=fiscal_year, kind=EvidenceKind.URL,
                        title=title, description=(description or "").strip() or None,
                        url=url, accessed_on=accessed_on, note=(note or "").strip() or None,
                        uploaded_by_id=actor.id, created_at=utcnow())
    db.session.add(item)
    db.session.flush()
    record(actor, "evidence.add_link", item, lgo_id=lgo.id, fiscal_year=fiscal_year, url=url)
    return item


# Editing and deleting ----------------------------------------------------------------------
def edit_item(item: EvidenceItem, *, title: str, description: str | None, note: str | None = None,
              expected_version: int, actor) -> EvidenceItem:
    """Change the title, description (and a link's note) if nobody saved the item since the
    editor loaded version ``expected_version``; otherwise ``StaleEdit``."""
    if item.version != expected_version:
        raise StaleEdit(item)
    title = (title or "").strip()
    if not title or len(title) > TITLE_MAX:
        raise Invalid(_l("Enter a title of at most 300 characters."))
    new = {"title": title, "description": (description or "").strip() or None}
    if item.kind == EvidenceKind.URL:
        new["note"] = (note or "").strip() or None
    changes = {key: [getattr(item, key), value] for key, value in new.items()
               if getattr(item, key) != value}
    if not changes:
        return item
    for key, (_old, value) in changes.items():
        setattr(item, key, value)
    item.updated_at = utcnow()
    try:
        db.session.flush()          # UPDATE … WHERE version = the version loaded
    except StaleDataError:
        raise StaleEdit(None) from None     # saved by someone else since this request loaded it
    record(actor, "evidence.edit", item, changes=changes)
    return item


def deletion_refusal(item: EvidenceItem) -> str | None:
    """The first guard's reason why the item may not be deleted, or None."""
    for guard in DELETION_GUARDS:
        reason = guard(item)
        if reason:
            return str(reason)
    return None


def delete_item(item: EvidenceItem, *, actor) -> None:
    """Take the item out of the library (the row stays for the record). Refused with a guard's
    message while, for instance, a submitted assessment cites it."""
    reason = deletion_refusal(item)
    if reason:
        raise Conflict(reason)
    item.deleted_at = utcnow()
    item.deleted_by_id = actor.id
    db.session.flush()
    record(actor, "evidence.delete", item, lgo_id=item.lgo_id, fiscal_year=item.fiscal_year,
           title=item.title, sha256=item.sha256)


def note_download(item: EvidenceItem, *, actor) -> None:
    """Downloads are logged: evidence may hold personal data, and the PDPA asks who saw it."""
    record(actor, "evidence.download", item, lgo_id=item.lgo_id, sha256=item.sha256)


def citations(item: EvidenceItem) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for provider in CITATION_PROVIDERS:
        found.extend(provider(item))
    return found


# Housekeeping ----------------------------------------------------------------------------------
def sweep(settings: EvidenceSettings, *, dry_run: bool = False,
          grace_seconds: float = DEFAULT_GRACE_SECONDS) -> SweepReport:
    """Remove blobs no item in use points at, stale temporary files and orphaned previews."""
    return settings.store.sweep(queries.referenced_hashes(),
                                still_referenced=queries.is_referenced,
                                grace_seconds=grace_seconds, dry_run=dry_run)
