"""Small, real documents made in code for tests, the example and the bench: a PDF with a text layer (one text
object per page, standard Helvetica) or without one, and a DOCX with headings."""

from __future__ import annotations

import io


def pdf(pages: list[str] | None, title: str = "", blank_pages: int = 0) -> bytes:
    """A PDF whose pages carry the given text (lines split on newlines); `pages=None` gives `blank_pages` pages
    with no text layer at all, like a scan."""
    bodies = [] if pages is None else pages
    count = len(bodies) if pages is not None else blank_pages
    objects: list[bytes] = []
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(count))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {count} >>".encode())
    font_ref = 3 + 2 * count
    for i in range(count):
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 "
                       f"{font_ref} 0 R >> >> /Contents {4 + 2 * i} 0 R >>".encode())
        if pages is None:
            stream = b"0.9 g 50 50 500 700 re f"  # a grey rectangle: ink, but no text
        else:
            lines = [ln.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") for ln in bodies[i].split("\n")]
            ops = ["BT", "/F1 11 Tf", "14 TL", "50 740 Td"]
            for ln in lines:
                ops.append(f"({ln.encode('latin-1', 'replace').decode('latin-1')}) Tj T*")
            ops.append("ET")
            stream = "\n".join(ops).encode("latin-1")
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    info = None
    if title:
        objects.append(f"<< /Title ({title}) >>".encode("latin-1"))
        info = len(objects)
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % n + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    trailer = f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R" + (f" /Info {info} 0 R" if info else "") + " >>\n"
    out.write(trailer.encode() + b"startxref\n%d\n%%%%EOF\n" % xref)
    return out.getvalue()


def docx(title: str, sections: list[tuple[str, list[str]]]) -> bytes:
    """A DOCX: a Title paragraph, then per section a Heading 1 and its paragraphs."""
    from .embeddings import require

    document = require("docx").Document()
    document.add_heading(title, level=0)
    for heading, paragraphs in sections:
        document.add_heading(heading, level=1)
        for text in paragraphs:
            document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
