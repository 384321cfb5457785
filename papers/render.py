"""A board paper's content (papers.content, with its ``state``: the line under the cover, "Draft …" or "Issued …")
as HTML, PDF (WeasyPrint, tagged PDF/UA-1 like the board report) and DOCX (python-docx): one content, three
renderings, the same headings, tables and figures in each."""

import copy
import datetime
import io

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

from dashboard.charts import line_chart, nice_max
from dashboard.report import PDF_VARIANT

#: The target line's colour, as the SVG charts draw it (dashboard.charts).
TARGET_COLOUR = "#146c43"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
#: The media type of each format a paper is kept and downloaded in (papers.models.PaperFile.Format).
CONTENT_TYPES = {"pdf": "application/pdf", "docx": DOCX_TYPE}


def _stylesheets():
    parts = []
    for name in ("css/report.css", "css/paper.css"):
        with open(finders.find(name), encoding="utf-8") as css:
            parts.append(css.read())
    return "\n".join(parts)


def _points(block):
    return [(datetime.date.fromisoformat(iso), value) for iso, value, *_ in block["points"]]


def html(content, *, pdf=False, tools=None):
    """The paper as an HTML document. ``tools``: the links above it in the browser (none in the PDF)."""
    content = copy.deepcopy(content)
    for section in content["sections"]:
        for block in section["blocks"]:
            if block["t"] == "chart":
                block["svg"] = line_chart(_points(block), title=block["title"], desc=block["desc"],
                                          y_label=block["unit"][:30], target=block["target"], described_title=pdf)
    context = {"paper": content, "pdf": pdf, "tools": tools,
               "stylesheet": _stylesheets() if pdf else ""}
    return render_to_string("papers/paper.html", context)


def pdf(content):
    # Imported here: WeasyPrint loads Pango when imported, and only the papers' PDFs need it here.
    import weasyprint

    return weasyprint.HTML(string=html(content, pdf=True)).write_pdf(pdf_variant=PDF_VARIANT)


# --- DOCX -------------------------------------------------------------------------------------------------------


def docx(content, *, author=""):
    """The paper as a Word document: the cover as a table, numbered headings in Word's heading styles (so the
    navigation pane and a table of contents find them), tables with a repeated header row, each chart as an image
    with its description as alternative text, followed by its values."""
    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.shared import Cm, Pt

    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)  # A4, as the PDF
    section.left_margin = section.right_margin = Cm(1.8)
    normal = document.styles["Normal"]
    normal.font.name, normal.font.size = "Arial", Pt(10)
    properties = document.core_properties
    properties.title, properties.author, properties.language = content["title"], author[:255], "en-GB"
    properties.subject = content["board"]

    document.add_paragraph(content["board"].upper()).runs[0].bold = True
    _table(document, None, ["", ""], content["cover"], header=False, widths=[28, 72])
    document.add_paragraph(content["state"]).runs[0].italic = True
    document.add_heading(content["title"], level=0)
    for part in content["sections"]:
        document.add_heading(f"{part['number']} {part['title']}", level=1)
        for block in part["blocks"]:
            kind = block["t"]
            if kind == "p":
                document.add_paragraph(block["text"])
            elif kind == "h":
                document.add_heading(f"{block['number']} {block['text']}", level=2)
            elif kind == "table":
                _table(document, block["caption"], block["head"], block["rows"], widths=block.get("widths"))
            elif kind == "chart":
                picture = document.add_paragraph().add_run().add_picture(io.BytesIO(chart_png(block)), width=Cm(16))
                doc_pr = picture._inline.docPr
                doc_pr.set("descr", f"{block['title']}. {block['desc']}")
                doc_pr.set("title", block["title"])
                _table(document, f"Values of {block['title']}", ["Period", "Value"], _value_rows(block))
    document.add_paragraph(content["definitions"]).runs[0].italic = True
    for table in document.tables:
        table.alignment = WD_TABLE_ALIGNMENT.LEFT
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _value_rows(block):
    return [[label, f"{shown} {block['unit']}"] for _, _, label, shown in block["points"]]


#: The width of the text on the page, between the margins: A4 less 2 × 1.8 cm.
TEXT_WIDTH_CM = 21 - 2 * 1.8


def _table(document, caption, head, rows, *, header=True, widths=None):
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm

    if caption:
        document.add_paragraph(caption, style="Caption")
    table = document.add_table(rows=0, cols=len(head), style="Table Grid")
    if header:
        cells = table.add_row().cells
        for cell, text in zip(cells, head, strict=True):
            cell.paragraphs[0].add_run(text).bold = True
        # The header row repeats on each page, and a screen reader reads it as the columns' header.
        row_properties = table.rows[0]._tr.get_or_add_trPr()
        repeat = OxmlElement("w:tblHeader")
        repeat.set(qn("w:val"), "true")
        row_properties.append(repeat)
    for row in rows:
        cells = table.add_row().cells
        for index, (cell, text) in enumerate(zip(cells, row, strict=True)):
            run = cell.paragraphs[0].add_run(str(text))
            run.bold = index == 0 and not header  # the cover's labels
    if widths:
        table.autofit = False
        for row in table.rows:
            for cell, width in zip(row.cells, widths, strict=True):
                cell.width = Cm(TEXT_WIDTH_CM * width / 100)
    return table


def _font(image_font, size=22):
    """DejaVu Sans, the font the PDF uses, where the system has it (Pillow finds it by name in the system's font
    folders); otherwise Pillow's own font, which has no dashes or quotes beyond ASCII: the labels are then written
    with plain ones. Returns (font, a function giving the text to draw)."""
    try:
        return image_font.truetype("DejaVuSans.ttf", size), str
    except OSError:
        plain = str.maketrans({"–": "-", "—": "-", "‘": "'", "’": "'", "“": '"', "”": '"'})
        return image_font.load_default(size=size), lambda text: text.translate(plain)


def chart_png(block, *, width=1280, height=440):
    """An indicator's chart as a PNG (Pillow), drawn as the SVG is: the values as a line with markers, the target
    as a dashed line, a labelled value axis and the first and last periods."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    font, plain = _font(ImageFont)
    left, right, top, bottom = 100, 40, 24, 80
    plot_w, plot_h = width - left - right, height - top - bottom
    points = _points(block)
    values = [value for _, value in points]
    target = block["target"]
    peak = nice_max(max([*values, target or 0], default=0))

    def y(value):
        return top + plot_h - plot_h * value / peak

    for i in range(5):
        tick = peak * i / 4
        draw.line([(left, y(tick)), (width - right, y(tick))], fill="#dee2e6", width=2)
        draw.text((left - 12, y(tick)), f"{tick:g}", fill="#212529", font=font, anchor="rm")
    draw.line([(left, top), (left, top + plot_h), (width - right, top + plot_h)], fill="#495057", width=2)
    if target is not None:
        ty, x = y(target), left
        while x < width - right:
            draw.line([(x, ty), (min(x + 18, width - right), ty)], fill=TARGET_COLOUR, width=3)
            x += 30
        draw.text((width - right, ty - 6), f"Target {target:g}", fill=TARGET_COLOUR, font=font, anchor="rb")
    if points:
        first, last = points[0][0], points[-1][0]
        span = max((last - first).days, 1)

        def x_of(day):
            return left + (plot_w * (day - first).days / span if len(points) > 1 else plot_w / 2)

        line = [(x_of(day), y(value)) for day, value in points]
        if len(line) > 1:
            draw.line(line, fill="#0b4f9c", width=4, joint="curve")
        for px, py in line:
            draw.ellipse([px - 7, py - 7, px + 7, py + 7], fill="#0b4f9c")
        labels = [plain(label) for _, _, label, _ in block["points"]]
        draw.text((line[0][0], top + plot_h + 14), labels[0], fill="#212529", font=font, anchor="lt")
        if len(line) > 1:
            draw.text((line[-1][0], top + plot_h + 14), labels[-1], fill="#212529", font=font, anchor="rt")
    draw.text((left, height - 8), plain(block["unit"][:60]), fill="#495057", font=font, anchor="ld")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
