"""Previews of stored evidence: images re-encoded by Pillow, PDFs' first page drawn by pdftoppm.

Pure: no Flask. A preview is never the uploaded bytes: images are decoded and encoded afresh
(bounded in size, turned upright, with no EXIF, GPS or other metadata carried over), and PDF
pages are rendered to PNG. Previews are cached beside the blobs (``previews/``) and made on
first request; ``sweep`` removes those whose blob is gone.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from PIL import Image, ImageOps

from lgo_assess.evidence.storage import BlobStore

MAX_EDGE = 1600                     # pixels on the longer side of a preview
MAX_SOURCE_PIXELS = 100_000_000     # larger images get no preview rather than a memory spike
PDF_TIMEOUT_SECONDS = 20
PDF_MEMORY_LIMIT = 1024 * 1024 * 1024
IMAGE_TYPES = ("image/jpeg", "image/png")
PDF_TYPE = "application/pdf"


def has_preview(content_type: str | None) -> bool:
    return content_type in IMAGE_TYPES or (content_type == PDF_TYPE and pdftoppm() is not None)


def pdftoppm() -> str | None:
    return shutil.which("pdftoppm")


def ensure_preview(store: BlobStore, sha256: str, content_type: str) -> tuple[Path, str] | None:
    """The cached preview of a blob, made now if needed: (path, MIME type), or None when the
    blob has no preview (another type, too large, unreadable, or pdftoppm missing)."""
    source = store.path_for(sha256)
    if not source.is_file():
        return None
    if content_type in IMAGE_TYPES:
        suffix, mimetype = (".png", "image/png") if content_type == "image/png" else (
            ".jpg", "image/jpeg")
        make = lambda dest: reencode_image(source, dest)  # noqa: E731
    elif content_type == PDF_TYPE and pdftoppm():
        suffix, mimetype = ".png", "image/png"
        make = lambda dest: render_pdf_page(source, dest)  # noqa: E731
    else:
        return None
    cached = store.preview_path(sha256, suffix)
    if cached.is_file():
        return cached, mimetype
    made = store.write_preview(sha256, suffix, make)
    return (made, mimetype) if made else None


def reencode_image(source: Path, dest: Path, max_edge: int = MAX_EDGE) -> bool:
    """Decode ``source`` and write a fresh, bounded image to ``dest`` in the same format,
    without metadata. Returns False for an image Pillow cannot (or should not) decode."""
    try:
        with Image.open(source) as image:
            if image.format not in ("JPEG", "PNG"):
                return False
            width, height = image.size
            if width * height > MAX_SOURCE_PIXELS:
                return False
            fmt = image.format
            if fmt == "JPEG":
                image.draft("RGB", (max_edge, max_edge))  # decode at a reduced scale: cheaper
            upright = ImageOps.exif_transpose(image)
            upright.thumbnail((max_edge, max_edge))
            if fmt == "JPEG":
                upright.convert("RGB").save(dest, "JPEG", quality=85, optimize=True)
            else:
                if upright.mode not in ("RGB", "RGBA", "L", "LA", "P"):
                    upright = upright.convert("RGBA")
                upright.save(dest, "PNG", optimize=True)
    except (OSError, ValueError, Image.DecompressionBombError, SyntaxError):
        return False
    return True


def _limited(command: list[str]) -> list[str]:
    """Run ``command`` under memory and CPU limits with util-linux ``prlimit`` when present
    (``preexec_fn`` is unsafe in threaded servers)."""
    prlimit = shutil.which("prlimit")
    if prlimit is None:
        return command
    return [prlimit, f"--as={PDF_MEMORY_LIMIT}", f"--cpu={PDF_TIMEOUT_SECONDS}", "--", *command]


def render_pdf_page(source: Path, dest: Path, max_edge: int = MAX_EDGE // 4 * 3) -> bool:
    """Draw page 1 of a PDF to a PNG with poppler's pdftoppm, time- and memory-limited; the
    result is then re-encoded by Pillow like any image."""
    binary = pdftoppm()
    if binary is None:
        return False
    prefix = dest.with_name(dest.stem + "-page")
    rendered = prefix.with_suffix(".png")
    try:
        subprocess.run(_limited([binary, "-f", "1", "-l", "1", "-singlefile", "-png",  # noqa: S603 -- argument list (pdftoppm from shutil.which, our temp paths), no shell
                                 "-scale-to", str(max_edge), str(source), str(prefix)]),
                       check=True, timeout=PDF_TIMEOUT_SECONDS, capture_output=True)
        return rendered.is_file() and reencode_image(rendered, dest)
    except (subprocess.SubprocessError, OSError):
        return False
    finally:
        rendered.unlink(missing_ok=True)
