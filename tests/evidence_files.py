"""Small files of every kind the evidence checks meet, built in the test (no binary fixtures):
good documents and images, and the bad ones (programs, archives, macros, polyglots)."""
from __future__ import annotations

import io
import struct
import zipfile

from PIL import Image

OOXML_WORD = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
OOXML_WORD_MACRO = "application/vnd.ms-word.document.macroEnabled.main+xml"
OOXML_EXCEL = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
OOXML_EXCEL_MACRO = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"


def pdf_bytes(text: str = "Evidence", *, pages: int = 1) -> bytes:
    from reportlab.pdfgen import canvas
    out = io.BytesIO()
    drawing = canvas.Canvas(out, pagesize=(200, 200))
    for page in range(pages):
        drawing.drawString(20, 100, f"{text} {page + 1}")
        drawing.showPage()
    drawing.save()
    return out.getvalue()


def padded_pdf(size: int) -> bytes:
    """A structurally plausible PDF of about ``size`` bytes (one big stream), made fast."""
    head = b"%%PDF-1.4\n%%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Length %d >>\nstream\n" % size
    tail = b"\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
    return head + b"\x00" * max(size - len(head) - len(tail), 0) + tail


def image_bytes(fmt: str = "PNG", size=(40, 30), *, exif: dict | None = None,
                gps: dict | None = None, color=(200, 30, 30)) -> bytes:
    image = Image.new("RGB", size, color)
    out = io.BytesIO()
    options = {}
    if exif or gps:
        data = Image.Exif()
        for tag, value in (exif or {}).items():
            data[tag] = value
        if gps:
            data.get_ifd(0x8825).update(gps)
        options["exif"] = data.tobytes()
    image.save(out, fmt, **options)
    return out.getvalue()


GPS_BANGKOK = {1: "N", 2: (13.0, 45.0, 0.0), 3: "E", 4: (100.0, 30.0, 0.0)}


def _zip(members: dict[str, bytes], *, stored_first: bool = False) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, (name, data) in enumerate(members.items()):
            method = zipfile.ZIP_STORED if stored_first and index == 0 else zipfile.ZIP_DEFLATED
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=method)
    return out.getvalue()


def _content_types(main: str, extra: str = "") -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.'
            'org/package/2006/content-types"><Default Extension="xml" ContentType="application/'
            f'xml"/><Override PartName="/main" ContentType="{main}"/>{extra}</Types>').encode()


def docx_bytes(*, macro: bool = False, extra: dict[str, bytes] | None = None) -> bytes:
    members = {"[Content_Types].xml": _content_types(OOXML_WORD_MACRO if macro else OOXML_WORD),
               "_rels/.rels": b"<Relationships/>",
               "word/document.xml": "<w:document>แผนพัฒนาท้องถิ่น</w:document>".encode()}
    if macro:
        members["word/vbaProject.bin"] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64
    members.update(extra or {})
    return _zip(members)


def xlsx_bytes(*, macro: bool = False, extra: dict[str, bytes] | None = None) -> bytes:
    members = {"[Content_Types].xml": _content_types(OOXML_EXCEL_MACRO if macro else OOXML_EXCEL),
               "_rels/.rels": b"<Relationships/>",
               "xl/workbook.xml": b"<workbook/>"}
    if macro:
        members["xl/vbaProject.bin"] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64
    members.update(extra or {})
    return _zip(members)


def odf_bytes(kind: str = "text", *, basic: bool = False, scripts: bool = False) -> bytes:
    members = {"mimetype": f"application/vnd.oasis.opendocument.{kind}".encode(),
               "content.xml": b"<office:document-content/>",
               "META-INF/manifest.xml": b"<manifest:manifest/>"}
    if basic:
        members["Basic/Standard/Module1.xml"] = b"<script:module>Sub Main</script:module>"
    if scripts:
        members["Scripts/python/run.py"] = b"import os"
    return _zip(members, stored_first=True)


def plain_zip(members: dict[str, bytes] | None = None) -> bytes:
    return _zip(members or {"report.pdf": pdf_bytes(), "notes.txt": b"hello"})


def exe_bytes() -> bytes:
    """The start of a Windows PE file: an MZ header pointing at a PE signature."""
    header = bytearray(b"MZ" + b"\x90\x00" + b"\x00" * 60)
    struct.pack_into("<I", header, 0x3C, 64)
    return bytes(header) + b"PE\x00\x00" + b"\x4c\x01" + b"\x00" * 200


def ole_package(payload: bytes = b"calc.exe") -> bytes:
    """An OLE compound file holding an "Ole10Native" stream, as an embedded file package."""
    return (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100
            + "\x01Ole10Native".encode("utf-16-le") + b"\x00" * 20 + payload)


def jpeg_with_comment(payload: bytes) -> bytes:
    """A JPEG carrying ``payload`` in a COM segment right after SOI (a classic hiding place)."""
    jpeg = image_bytes("JPEG")
    segment = b"\xff\xfe" + struct.pack(">H", len(payload) + 2) + payload
    return jpeg[:2] + segment + jpeg[2:]


def pdf_with_stream(payload: bytes) -> bytes:
    """A PDF whose first object is a stream holding ``payload``, ending properly in %%EOF."""
    head = b"%%PDF-1.4\n1 0 obj\n<< /Length %d >>\nstream\n" % len(payload)
    return head + payload + b"\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def png_with_text(key: str, value: str) -> bytes:
    """A PNG with a tEXt chunk (where cameras and editors write places and names)."""
    from PIL import PngImagePlugin
    info = PngImagePlugin.PngInfo()
    info.add_text(key, value)
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 60)).save(out, "PNG", pnginfo=info)
    return out.getvalue()
