"""Print the structure tree of a tagged PDF (what a screen reader follows): headings, paragraphs, tables with their
header cells, figures with their alternative text, and the document's language, title and PDF/UA claim.

    python scripts/pdf_outline.py board-report.pdf [--rows N]

The board report's PDF is tagged (PDF/UA-1, README "Accessible documents"); an untagged PDF is said to be one.
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests import pdf_structure  # noqa: E402 - after the path


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pdf", type=Path)
    parser.add_argument("--rows", type=int, default=2, help="Body rows shown per table (default 2).")
    args = parser.parse_args()
    reader, root = pdf_structure.read(args.pdf.read_bytes())
    catalog = reader.trailer["/Root"]
    xmp = catalog["/Metadata"].get_object().get_data().decode() if "/Metadata" in catalog else ""
    part = "1" if 'pdfuaid:part="1"' in xmp else "none"
    print(f"Title: {reader.metadata.title if reader.metadata else None}")
    print(f"Language: {catalog.get('/Lang')}; marked: {catalog.get('/MarkInfo', {}).get('/Marked')}; "
          f"title shown: {catalog.get('/ViewerPreferences', {}).get('/DisplayDocTitle')}; "
          f"PDF/UA part: {part}; pages: {len(reader.pages)}")
    if root is None:
        print("No structure tree: the PDF is not tagged.")
        return 1
    print("\n".join(pdf_structure.outline(root, rows=args.rows)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
