"""``baocao extract FILE``: figures, recommendations and directives of one prose report.

``--format json`` prints exactly one JSON object on stdout (schema in docs/extraction.md);
``--text`` prints the text the offsets refer to. Bad input (empty, binary, legacy encodings that
cannot be converted, huge files, PDFs without a text layer) ends with a message on stderr and exit
code 2; nothing is stored.
"""

from __future__ import annotations

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from baocao.core.numbers import format_number
from baocao.extraction.about import province_names_from_db
from baocao.extraction.catalog import Catalog, load_catalog
from baocao.extraction.extractor import extract
from baocao.extraction.readers import ReadError, read_document


class Command(BaseCommand):
    help = "Trích xuất số liệu, kiến nghị và chỉ đạo từ một báo cáo dạng văn bản (.txt, .html, .docx, .pdf)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="report file (.txt, .html, .docx, .pdf)")
        parser.add_argument("--format", choices=["json", "text"], default="text", help="output format")
        parser.add_argument("--text", action="store_true", help="print the extracted text the offsets refer to")
        parser.add_argument("--no-catalog", action="store_true", help="do not map figures to catalog indicators")

    def handle(self, *args, **opts) -> None:
        try:
            doc = read_document(opts["file"])
        except ReadError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        for note in doc.notes:
            if note not in ("pypdf", "pdftotext"):
                sys.stderr.write(f"note: {note}\n")
        if opts["text"]:
            self.stdout.write(doc.text, ending="")
            return
        catalog = Catalog([], "none") if opts["no_catalog"] else load_catalog()
        if catalog.source == "none" and not opts["no_catalog"]:
            sys.stderr.write("note: no indicator catalog loaded (database empty, fixture missing); figures are not mapped\n")
        result = extract(doc.text, catalog=catalog, provinces=province_names_from_db())
        result["format"] = doc.fmt
        result["encoding"] = doc.encoding
        if opts["format"] == "json":
            self.stdout.write(json.dumps(result, ensure_ascii=False))
            return
        self._print_text(result)

    def _print_text(self, r: dict) -> None:
        w = self.stdout.write
        w(f"Tỉnh/phạm vi: {r['province'] or '—'}   Kỳ: {r['period'] or '—'}   Ngày: {r['event_date'] or '—'}")
        w(f"Số liệu ({len(r['facts'])}):")
        for f in r["facts"]:
            val = format_number(f["value"])
            if f["denominator"] is not None:
                val += "/" + format_number(f["denominator"])
            q = {"exact": "", "approx": "khoảng ", "at_least": "≥ "}[f["qualifier"]]
            ind = f["indicator"] or "(chưa gắn chỉ tiêu)"
            w(f"  [{f['start']}-{f['end']}] {q}{val} {f['unit']}  → {ind}  ({f['scope']})  «{f['context'][:90]}»")
        w(f"Kiến nghị ({len(r['recommendations'])}):")
        for it in r["recommendations"]:
            w(f"  [{it['start']}-{it['end']}] {it['from'] or '?'} → {it['to'] or '?'}: {it['text'][:110]}")
        w(f"Chỉ đạo ({len(r['directives'])}):")
        for it in r["directives"]:
            w(f"  [{it['start']}-{it['end']}] {it['by'] or '?'} → {it['to'] or '?'}: {it['text'][:110]}")
