"""A one-page A4 sample exercising the toolkit, for the eye and for the tests.

Every hard case is on page 1: tone marks over upper vowels (ที่ ปี่ ถิ่น ญี่ปุ่น), two marks
(ตั้ง ทั้ง), the nikhahit ligature (ค่ำ น้ำ), marks shifted off tall stems (ป้า ฝั่ง), ญ and ฐ
losing their tails before below-vowels, a long อบต. name, Thai digits, canvas text aligned left,
centre and right against guide lines, and a table of wrapped cells.
"""
from __future__ import annotations

from datetime import date

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from lgo_assess.core.thaidate import format_date
from lgo_assess.core.thaipdf.flowables import ThaiParagraph
from lgo_assess.core.thaipdf.fonts import FONT, FONT_BOLD
from lgo_assess.core.thaipdf.shaping import draw_thai
from lgo_assess.core.thaipdf.styles import thai_styles

LGO_NAME = "องค์การบริหารส่วนตำบลบ้านปี่ อำเภอเมืองเชียงใหม่ จังหวัดเชียงใหม่"
MARK_CASES = ("ที่", "ปี่", "ถิ่น", "ญี่ปุ่น", "ตั้ง", "ทั้ง", "ค่ำ", "น้ำ", "ป้า", "ฝั่ง", "ผู้",
              "ปู่", "ฐาน", "กตัญญู", "บุญ", "ปฏิบัติ", "ฎีกา", "ฤดู", "ญุ", "ฐุ", "ฎุ", "ฏู")
MISSION = ("กรมส่งเสริมการปกครองท้องถิ่นมีภารกิจในการส่งเสริมและสนับสนุนองค์กรปกครองส่วนท้องถิ่น"
           "ให้จัดบริการสาธารณะที่โปร่งใสและตรวจสอบได้ "
           "โดยใช้มาตรฐานองค์กรดิจิทัล (Digital Organisation Standard) เป็นเกณฑ์")
URL_LINE = "ตรวจสอบเกียรติบัตรได้ที่ https://lgo-assess.dla.go.th/v/Q7mX2pL9 ภายใน 30 วัน"
ROWS = (
    ("1.1", "มีแผนพัฒนาท้องถิ่นที่สอดคล้องกับยุทธศาสตร์จังหวัดและผ่านการประชาคมหมู่บ้าน", "4"),
    ("1.2", "เปิดเผยข้อมูลงบประมาณและผลการจัดซื้อจัดจ้างต่อสาธารณะผ่านเว็บไซต์ขององค์กร", "3"),
    ("2.1", "ให้บริการประชาชนผ่านระบบ e-Service อย่างน้อยสามบริการ", "2"),
)

# Strings a test can expect to find in the text of the sample PDF.
SAMPLE_STRINGS = (LGO_NAME, *MARK_CASES, "ภารกิจในการส่งเสริม", "ตรวจสอบได้",
                  "https://lgo-assess.dla.go.th/v/Q7mX2pL9", ROWS[0][1], ROWS[2][1],
                  "หน้า ๑", "๓๐ กันยายน ๒๕๖๘", "ชิดซ้าย", "กึ่งกลาง", "ชิดขวา")


class _AlignmentDemo(Flowable):
    """draw_thai left, centre and right against a guide line each."""

    def __init__(self, height: float = 70):
        super().__init__()
        self.height = height

    def wrap(self, availWidth, availHeight):
        self.width = availWidth
        return availWidth, self.height

    def draw(self):
        c = self.canv
        guides = ((0, "left", "ชิดซ้าย ปี่ ตั้ง"), (self.width / 2, "centre", "กึ่งกลาง ญี่ปุ่น ค่ำ"),
                  (self.width, "right", "ชิดขวา ทั้ง ป้า ฐาน"))
        c.saveState()
        c.setStrokeColor(colors.Color(0.8, 0.2, 0.2))
        c.setLineWidth(0.5)
        for x, _, _ in guides:
            c.line(x, 0, x, self.height)
        c.restoreState()
        for row, (x, align, text) in enumerate(guides):
            draw_thai(c, x, self.height - 20 - row * 22, text, font=FONT, size=16, align=align)


def _on_page(canvas, doc):
    width, height = A4
    draw_thai(canvas, width / 2, height - 14 * mm, "กรมส่งเสริมการปกครองท้องถิ่น · LGO Assess",
              font=FONT_BOLD, size=12, align="centre")
    draw_thai(canvas, width - 20 * mm, 12 * mm, f"หน้า {doc.page}", font=FONT, size=12,
              align="right", thai_digits=True)


def sample_story() -> list[Flowable]:
    s = thai_styles()
    body_indented = s.body.clone("ThaiBodyIndented", firstLineIndent=24)
    table_rows = [[ThaiParagraph("ข้อ", s.cell_header), ThaiParagraph("เกณฑ์", s.cell_header),
                   ThaiParagraph("ระดับ", s.cell_header)]]
    table_rows += [[ThaiParagraph(code, s.cell), ThaiParagraph(text, s.cell),
                    ThaiParagraph(level, s.cell, thai_digits=True)] for code, text, level in ROWS]
    table = Table(table_rows, colWidths=[14 * mm, None, 18 * mm], repeatRows=1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.93, 0.93, 0.93)),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    return [
        ThaiParagraph("ตัวอย่างเอกสารภาษาไทย (Thai PDF sample)", s.title),
        ThaiParagraph(LGO_NAME, s.subheading),
        ThaiParagraph("ให้ไว้ ณ วันที่ " + format_date(date(2025, 9, 30), thai_digits=True), s.body),
        ThaiParagraph("1. วรรณยุกต์และสระ", s.subheading),
        ThaiParagraph(" ".join(MARK_CASES), s.body),
        ThaiParagraph("2. การตัดคำ", s.subheading),
        ThaiParagraph(MISSION, body_indented),
        ThaiParagraph(URL_LINE, s.body),
        ThaiParagraph("3. ตาราง", s.subheading),
        table,
        ThaiParagraph("4. ข้อความบนแคนวาส (draw_thai)", s.subheading),
        _AlignmentDemo(),
    ]


def build_sample(target) -> None:
    """Write the sample PDF to ``target`` (a path or a binary file object)."""
    doc = SimpleDocTemplate(target, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm,
                            topMargin=20 * mm, bottomMargin=18 * mm,
                            title="Thai PDF sample", author="LGO Assess")
    doc.build(sample_story(), onFirstPage=_on_page, onLaterPages=_on_page)
