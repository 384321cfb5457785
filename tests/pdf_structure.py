"""A tagged PDF's structure tree read with pypdf, with the text of each element: what a screen reader follows.

WeasyPrint marks each run of text on a page with a marked-content id (``BDC /MCID n … EMC``) and hangs the ids on
the elements of the structure tree (``/StructTreeRoot``). ``read`` walks the tree in its order and fills each
element with the text of its ids, decoded through the fonts' ToUnicode maps by pypdf, so the text comes out in
structure order, not in the order it was painted. Used by the tests of accessible documents and by
``scripts/pdf_outline.py``.
"""

import io
from dataclasses import dataclass, field

import pypdf
from pypdf.generic import ArrayObject, DictionaryObject


@dataclass
class Element:
    tag: str
    alt: str | None = None
    attributes: dict = field(default_factory=dict)
    children: list = field(default_factory=list)
    #: The text of this element's own marked content, in order (its children's is theirs).
    own_text: str = ""

    @property
    def text(self):
        """All the text under this element, in structure order, with runs of white space made one space."""
        parts = [self.own_text, *(child.text for child in self.children)]
        return " ".join(" ".join(parts).split())

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()

    def find_all(self, tag):
        return [element for element in self.walk() if element.tag == tag]


def _marked_text(page):
    """{MCID: text} of one page, from its content stream."""
    texts, stack = {}, []

    def before(operator, arguments, cm, tm):
        if operator == b"BDC":
            properties = arguments[1] if len(arguments) > 1 else None
            stack.append(properties.get("/MCID") if isinstance(properties, dict) else None)
        elif operator == b"BMC":
            stack.append(None)
        elif operator == b"EMC" and stack:
            stack.pop()

    def text(value, cm, tm, font, size):
        mcid = next((m for m in reversed(stack) if m is not None), None)
        if mcid is not None and value:
            texts[mcid] = texts.get(mcid, "") + value

    page.extract_text(visitor_operand_before=before, visitor_text=text)
    return texts


def read(pdf):
    """(reader, the root ``Element``) of a tagged PDF's bytes; the root is None in an untagged PDF."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    catalog = reader.trailer["/Root"]
    if "/StructTreeRoot" not in catalog:
        return reader, None
    pages = {page.indirect_reference.idnum: number for number, page in enumerate(reader.pages)}
    texts = {}

    def page_text(number):
        if number not in texts:
            texts[number] = _marked_text(reader.pages[number])
        return texts[number]

    def element(node, page):
        node = node.get_object()
        if "/Pg" in node:
            page = pages[node.raw_get("/Pg").idnum]
        made = Element(tag=str(node.get("/S", "/?"))[1:], alt=node.get("/Alt"))
        attributes = node.get("/A")
        if isinstance(attributes, DictionaryObject):
            made.attributes = {key[1:]: value for key, value in attributes.items()}
        kids = node.get("/K")
        kids = kids if isinstance(kids, ArrayObject) else [] if kids is None else [kids]
        for kid in kids:
            kid = kid.get_object()
            if isinstance(kid, int):  # a marked-content id on this element's page
                made.own_text += " " + page_text(page).get(kid, "")
            elif isinstance(kid, DictionaryObject) and kid.get("/Type") == "/MCR":
                made.own_text += " " + page_text(pages[kid.raw_get("/Pg").idnum]).get(kid["/MCID"], "")
            elif isinstance(kid, DictionaryObject) and "/S" in kid:
                made.children.append(element(kid, page))
        return made

    root = Element(tag="StructTreeRoot")
    tree = catalog["/StructTreeRoot"]
    kids = tree.get("/K")
    for kid in kids if isinstance(kids, ArrayObject) else [kids]:
        root.children.append(element(kid, 0))
    return reader, root


def outline(root, *, depth=0, rows=2):
    """The structure tree as indented lines: headings and paragraphs with the start of their text, tables with their
    header cells and how many rows, figures with their alternative text. ``rows``: body rows shown per table."""
    lines = []
    for child in root.children:
        lines.extend(_outline(child, depth, rows))
    return lines


def _outline(element, depth, rows):
    pad = "  " * depth
    if element.tag in {"Span", "NonStruct", "Link", "Part"}:
        # Wrappers: their children speak for them.
        return [line for child in element.children for line in _outline(child, depth, rows)] or (
            [f"{pad}{element.tag}: {_short(element.text)}"] if element.text else []
        )
    if element.tag == "Table":
        trs = element.find_all("TR")
        header = [cell.text for cell in trs[0].children if cell.tag == "TH"] if trs else []
        lines = [f"{pad}Table ({len(trs)} rows), first row's header cells: {header}"]
        for tr in trs[1 : 1 + rows]:
            cells = [f"{cell.tag} {_short(cell.text, 24)}" for cell in tr.children]
            lines.append(f"{pad}  TR: {cells}")
        return lines
    if element.tag == "Figure":
        return [f"{pad}Figure, /Alt: {_short(element.alt or '(none)', 110)}"]
    if element.tag in {"P", "Caption", "LI", "LBody"}:
        return [f"{pad}{element.tag}: {_short(element.text)}"]
    if element.tag.startswith("H") and element.tag[1:].isdigit():
        return [f"{pad}{element.tag}: {element.text}"]
    lines = [f"{pad}{element.tag}"]
    for child in element.children:
        lines.extend(_outline(child, depth + 1, rows))
    return lines


def _short(text, length=70):
    return text if len(text) <= length else text[: length - 1] + "…"
