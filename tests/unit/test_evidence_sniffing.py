"""Evidence files are judged by their content, never their name: the seven accepted types pass,
and programs, archives, macros, markup, polyglots and lying names are refused with a reason."""
from __future__ import annotations

import io

import pytest

from lgo_assess.evidence import sniffing
from lgo_assess.evidence.sniffing import Refusal, display_name, sniff_bytes
from tests.evidence_files import (GPS_BANGKOK, docx_bytes, exe_bytes, image_bytes,
                                  jpeg_with_comment, odf_bytes, ole_package, pdf_bytes,
                                  pdf_with_stream, plain_zip, xlsx_bytes)


@pytest.mark.parametrize("data, name, code", [
    (lambda: pdf_bytes(), "รายงาน.pdf", "pdf"),
    (lambda: image_bytes("JPEG", gps=GPS_BANGKOK), "photo.JPG", "jpeg"),
    (lambda: image_bytes("JPEG"), "photo.jpeg", "jpeg"),
    (lambda: image_bytes("PNG"), "chart.png", "png"),
    (lambda: docx_bytes(), "plan.docx", "docx"),
    (lambda: xlsx_bytes(), "budget.xlsx", "xlsx"),
    (lambda: odf_bytes("text"), "plan.odt", "odt"),
    (lambda: odf_bytes("spreadsheet"), "budget.ods", "ods"),
    (lambda: pdf_bytes(), "no-extension", "pdf"),
    (lambda: docx_bytes(extra={"word/embeddings/Microsoft_Excel_Worksheet.xlsx": xlsx_bytes()}),
     "with-chart.docx", "docx"),
])
def test_accepted_types_are_recognised_by_content(data, name, code):
    assert sniff_bytes(data(), name).code == code


def test_a_real_openpyxl_workbook_is_accepted():
    import openpyxl
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "งบประมาณ"
    out = io.BytesIO()
    workbook.save(out)
    assert sniff_bytes(out.getvalue(), "งบ.xlsx") is sniffing.XLSX


def refusal(data: bytes, name: str) -> Refusal:
    with pytest.raises(Refusal) as raised:
        sniff_bytes(data, name)
    return raised.value


def test_an_executable_renamed_pdf_is_refused_as_a_program_naming_the_claimed_extension():
    refused = refusal(exe_bytes(), "report.pdf")
    assert refused.reason == sniffing.EXECUTABLE
    assert refused.details == {"format": "Windows executable", "extension": "pdf"}


def test_a_pdf_renamed_docx_is_refused_saying_both_name_and_content():
    refused = refusal(pdf_bytes(), "plan.docx")
    assert refused.reason == sniffing.EXTENSION_MISMATCH
    assert refused.details == {"extension": "docx", "format": "PDF"}


@pytest.mark.parametrize("data, name", [
    (lambda: docx_bytes(macro=True), "plan.docm"),
    (lambda: docx_bytes(macro=True), "plan.docx"),        # a macro document renamed
    (lambda: xlsx_bytes(macro=True), "budget.xlsm"),
    (lambda: xlsx_bytes(extra={"xl/macrosheets/sheet1.xml": b"<xm:macrosheet/>"}), "b.xlsx"),
    (lambda: xlsx_bytes(), "budget.xlsm"),                # a macro name on a clean workbook
    (lambda: odf_bytes("text", basic=True), "plan.odt"),
    (lambda: odf_bytes("spreadsheet", scripts=True), "budget.ods"),
])
def test_documents_with_macros_are_refused(data, name):
    assert refusal(data(), name).reason == sniffing.MACROS


def test_a_word_file_with_only_a_vba_project_part_is_refused():
    data = docx_bytes(extra={"word/vbaProject.bin": b"\xd0\xcf\x11\xe0" + b"\x00" * 40})
    assert refusal(data, "plan.docx").reason == sniffing.MACROS


@pytest.mark.parametrize("data, name, other", [
    (lambda: pdf_bytes() + plain_zip(), "report.pdf", "ZIP"),
    (lambda: image_bytes("JPEG") + plain_zip(), "photo.jpg", "ZIP"),
    (lambda: image_bytes("PNG") + plain_zip(), "chart.png", "ZIP"),
    (lambda: image_bytes("JPEG") + b"Rar!\x1a\x07\x00" + b"\x00" * 50, "photo.jpg", "RAR"),
    (lambda: image_bytes("PNG") + b"<html><script>alert(1)</script>", "chart.png", "HTML/XML"),
    (lambda: b"%PDF-1.4\n<html><script>alert(1)</script>\n" + pdf_bytes()[9:], "x.pdf", "HTML"),
])
def test_polyglots_are_refused(data, name, other):
    refused = refusal(data(), name)
    assert refused.reason == sniffing.POLYGLOT
    assert refused.details["other"] == other


@pytest.mark.parametrize("data, name", [
    (lambda: image_bytes("JPEG") + b"<script>fetch('/x')</script>", "photo.jpg"),
    (lambda: image_bytes("JPEG") + b"\n\n<html><body onload=x()>", "photo.jpg"),
    (lambda: image_bytes("JPEG") + b"7z\xbc\xaf\x27\x1c\x00\x04" + b"\x00" * 40, "photo.jpg"),
    (lambda: image_bytes("JPEG") + pdf_bytes(), "photo.jpg"),
    (lambda: image_bytes("PNG") + pdf_bytes(), "chart.png"),
    (lambda: pdf_bytes() + b"<script>alert(1)</script>", "report.pdf"),
    (lambda: pdf_bytes() + b"\xfd7zXZ\x00" + b"\x00" * 30, "report.pdf"),
    (lambda: jpeg_with_comment(plain_zip({"a.txt": b"hidden"})), "photo.jpg"),   # JPEG and ZIP
    (lambda: pdf_with_stream(plain_zip({"a.txt": b"hidden"})), "report.pdf"),    # PDF and ZIP
])
def test_files_that_are_also_something_else_are_refused(data, name):
    """Polyglots: a picture or a PDF that is at the same time an archive, a web page with script
    or another document, whether the other file is appended or hidden inside."""
    assert refusal(data(), name).reason == sniffing.POLYGLOT


def test_a_zip_with_a_pdf_header_inside_its_first_kilobyte_is_refused():
    data = plain_zip({"%PDF-1.4.txt": b"x", "a.txt": b"y"})
    assert refusal(data, "a.zip").reason in (sniffing.POLYGLOT, sniffing.ARCHIVE)


def test_a_pdf_with_a_long_tail_after_its_end_is_refused():
    assert refusal(pdf_bytes() + b"A" * 5000, "x.pdf").reason == sniffing.POLYGLOT


def test_a_jpeg_may_carry_a_second_image_after_its_end_as_phones_write():
    assert sniff_bytes(image_bytes("JPEG") + image_bytes("JPEG"), "mpf.jpg") is sniffing.JPEG


@pytest.mark.parametrize("data, name, reason, fmt", [
    (lambda: plain_zip(), "evidence.zip", sniffing.ARCHIVE, "ZIP"),
    (lambda: b"Rar!\x1a\x07\x01\x00" + b"\x00" * 40, "a.rar", sniffing.ARCHIVE, "RAR"),
    (lambda: b"7z\xbc\xaf\x27\x1c\x00\x04" + b"\x00" * 40, "a.7z", sniffing.ARCHIVE, "7-Zip"),
    (lambda: b"\x1f\x8b\x08\x00" + b"\x00" * 40, "a.gz", sniffing.ARCHIVE, "gzip"),
    (lambda: b"\x7fELF\x02\x01\x01" + b"\x00" * 40, "run", sniffing.EXECUTABLE, "ELF executable"),
    (lambda: b"#!/bin/sh\nrm -rf /\n", "x.pdf", sniffing.EXECUTABLE, "script"),
    (lambda: b"<!doctype html><script>alert(1)</script>", "a.html", sniffing.MARKUP, "HTML/XML"),
    (lambda: b'\xef\xbb\xbf<?xml version="1.0"?><svg onload="x"/>', "a.svg", sniffing.MARKUP,
     "HTML/XML"),
])
def test_archives_programs_and_markup_are_refused_naming_the_format(data, name, reason, fmt):
    refused = refusal(data(), name)
    assert (refused.reason, refused.details["format"]) == (reason, fmt)


def test_nested_archives_and_programs_inside_documents_are_refused():
    nested = refusal(docx_bytes(extra={"word/media/files.zip": plain_zip()}), "a.docx")
    assert (nested.reason, nested.details["member"]) == (sniffing.NESTED_ARCHIVE,
                                                          "word/media/files.zip")
    program = refusal(docx_bytes(extra={"word/embeddings/x.bin": exe_bytes()}), "a.docx")
    assert (program.reason, program.details["member"]) == (sniffing.EXECUTABLE,
                                                            "word/embeddings/x.bin")
    package = refusal(xlsx_bytes(extra={"xl/embeddings/oleObject1.bin": ole_package()}), "b.xlsx")
    assert package.reason == sniffing.PACKAGE


@pytest.mark.parametrize("member, data", [
    ("xl/media/data.gz", b"\x1f\x8b\x08\x00" + b"\x00" * 40),
    ("word/media/x.7z", b"7z\xbc\xaf\x27\x1c\x00\x04" + b"\x00" * 40),
    ("word/media/x.rar", b"Rar!\x1a\x07\x01\x00" + b"\x00" * 40),
    ("word/media/inner.docx", None),        # a document inside, outside Office's embeddings
    ("word/media/deeper.zip", None),        # an archive holding an archive
])
def test_archives_hidden_in_documents_are_refused_at_any_depth(member, data):
    if data is None:
        data = docx_bytes() if member.endswith(".docx") else plain_zip(
            {"inner.zip": plain_zip()})
    container = xlsx_bytes(extra={member: data}) if member.startswith("xl/") else docx_bytes(
        extra={member: data})
    refused = refusal(container, "a.xlsx" if member.startswith("xl/") else "a.docx")
    assert (refused.reason, refused.details["member"]) == (sniffing.NESTED_ARCHIVE, member)


def test_zero_bytes_old_office_and_unknown_files_are_refused():
    assert refusal(b"", "empty.pdf").reason == sniffing.EMPTY
    assert refusal(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 80, "a.doc").reason == \
        sniffing.OLD_OFFICE
    assert refusal(b"just some text", "notes.txt").reason == sniffing.UNSUPPORTED
    assert refusal(odf_bytes("presentation"), "slides.odp").reason == sniffing.UNSUPPORTED


def test_damaged_files_are_refused():
    assert refusal(pdf_bytes()[:-200], "cut.pdf").reason == sniffing.DAMAGED
    assert refusal(image_bytes("PNG")[:-20], "cut.png").reason == sniffing.DAMAGED
    assert refusal(image_bytes("JPEG")[:-30], "cut.jpg").reason == sniffing.DAMAGED
    assert refusal(docx_bytes()[:-30], "cut.docx").reason == sniffing.DAMAGED


def test_a_zip_bomb_is_refused_without_inflating_it():
    out = io.BytesIO()
    import zipfile
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", docx_bytes() and b"x")
        archive.writestr("word/document.xml", b"\x00" * (20 * 1024 * 1024))
    assert refusal(out.getvalue(), "bomb.docx").reason == sniffing.BOMB


@pytest.mark.parametrize("raw, shown", [
    ("../../bin/gpg", "gpg"),
    ("/etc/passwd", "passwd"),
    ("C:\\Users\\somchai\\แผนงาน.pdf", "แผนงาน.pdf"),
    ("report\x00.pdf", "report.pdf"),
    ("bad\r\nname.pdf", "badname.pdf"),
    ("photo\u202egpj.exe", "photogpj.exe"),
    ("..", "evidence"),
    ("", "evidence"),
    ("  .hidden.pdf ", "hidden.pdf"),
    ("แผนพัฒนาท้องถิ่น พ.ศ. 2566–2570.pdf", "แผนพัฒนาท้องถิ่น พ.ศ. 2566–2570.pdf"),
])
def test_display_names_keep_thai_and_lose_paths_and_control_characters(raw, shown):
    assert display_name(raw) == shown


def test_very_long_names_are_shortened_keeping_the_extension():
    name = display_name("ก" * 500 + ".pdf")
    assert len(name) == sniffing.MAX_NAME_LENGTH and name.endswith(".pdf")


def test_sniffing_reads_a_large_file_without_loading_it(tmp_path):
    """A 30 MB PDF is judged from its ends: Python allocates a few megabytes at most."""
    import tracemalloc

    from tests.evidence_files import padded_pdf
    big = tmp_path / "big.pdf"
    big.write_bytes(padded_pdf(30 * 1024 * 1024))
    with big.open("rb") as handle:
        tracemalloc.start()
        try:
            kind = sniffing.sniff(handle, "big.pdf")
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert kind is sniffing.PDF
    assert peak < 4 * 1024 * 1024, f"sniffing a 30 MB file allocated {peak} bytes"


# Fuzzing: whatever the bytes, the checks answer with a type or a refusal, never a crash -------
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_SEEDS = [pdf_bytes(), image_bytes("JPEG"), image_bytes("PNG"), docx_bytes(), xlsx_bytes(),
          odf_bytes("text"), docx_bytes(macro=True), plain_zip()]


@st.composite
def mutated_files(draw):
    data = bytearray(draw(st.sampled_from(_SEEDS)))
    for _ in range(draw(st.integers(0, 8))):
        position = draw(st.integers(0, max(len(data) - 1, 0)))
        action = draw(st.sampled_from(["flip", "cut", "insert"]))
        if action == "flip" and data:
            data[position] ^= draw(st.integers(1, 255))
        elif action == "cut":
            del data[position:position + draw(st.integers(1, 64))]
        else:
            data[position:position] = draw(st.binary(min_size=1, max_size=32))
    return bytes(data)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.one_of(mutated_files(), st.binary(max_size=2048)),
       name=st.sampled_from(["a.pdf", "a.docx", "a.jpg", "", "x.zip"]))
def test_any_bytes_get_a_type_or_a_refusal(data, name):
    try:
        kind = sniff_bytes(data, name)
    except Refusal as refused:
        assert refused.reason
    else:
        assert kind in sniffing.ALLOWED
