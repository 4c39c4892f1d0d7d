"""Reading report files into text: .txt, .html, .docx, .pdf.

Every failure raises :class:`ReadError` with a precise English message for the CLI/API (the web UI
shows the Vietnamese ``message_vi``). Nothing is written anywhere.

* ``.txt`` is decoded as UTF-8 exactly (offsets are into this text). Legacy Vietnamese encodings are
  recognised: Windows-1258 is converted (and said so in ``notes``); VNI and TCVN3 (ABC) — font
  encodings that need a font-specific table — are refused with a message naming the encoding.
* ``.html``: the standard library parser; navigation, headers, footers, sidebars, forms, scripts,
  comment boxes, visit counters and share bars are dropped by tag and by class/id words.
* ``.docx``: ``word/document.xml`` read with :mod:`zipfile` (no python-docx), with limits against zip
  bombs (entry count, uncompressed size, compression ratio) and documents declaring entities refused.
* ``.pdf``: the text layer through ``pypdf`` when installed, else ``pdftotext`` (poppler) when on the
  PATH; a PDF without a text layer (a scan) is refused.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree as ET

MAX_BYTES = 20 * 1024 * 1024  # a prose report is a few hundred KB at most
MAX_TEXT_CHARS = 5_000_000
MAX_DOCX_UNCOMPRESSED = 60 * 1024 * 1024
MAX_DOCX_RATIO = 120
DOCX_RATIO_FLOOR = 1024 * 1024  # small parts legitimately compress very well
MAX_DOCX_ELEMENTS = 500_000  # a 100-page report has some tens of thousands
MAX_ZIP_ENTRIES = 2000


class ReadError(ValueError):
    def __init__(self, message: str, message_vi: str):
        super().__init__(message)
        self.message_vi = message_vi


@dataclass
class Document:
    text: str
    fmt: str  # txt | html | docx | pdf
    encoding: str = "utf-8"
    notes: list[str] = field(default_factory=list)


def read_document(path: str | Path) -> Document:
    """Read a report file into text (see the module docstring); raise :class:`ReadError` on bad input."""
    p = Path(path)
    if not p.exists() or not p.is_file():
        raise ReadError(f"{p}: no such file", f"Không tìm thấy tệp {p.name}")
    size = p.stat().st_size
    if size == 0:
        raise ReadError(f"{p}: the file is empty", f"Tệp {p.name} rỗng")
    if size > MAX_BYTES:
        raise ReadError(
            f"{p}: the file is too large ({size} bytes, limit {MAX_BYTES}); a prose report is much smaller",
            f"Tệp {p.name} quá lớn ({size:,} byte, tối đa {MAX_BYTES:,} byte)".replace(",", "."),
        )
    data = p.read_bytes()
    ext = p.suffix.lower()
    if ext in (".htm", ".html", ".xhtml"):
        doc = read_html_bytes(data, p.name)
    elif ext == ".docx":
        doc = read_docx_bytes(data, p.name)
    elif ext == ".pdf":
        doc = read_pdf_bytes(data, p.name)
    elif ext in (".txt", ".text", ".md", ""):
        doc = read_txt_bytes(data, p.name)
    else:
        raise ReadError(
            f"{p}: unsupported file type {ext!r} (use .txt, .html, .docx or .pdf)",
            f"Không hỗ trợ loại tệp {ext} (dùng .txt, .html, .docx hoặc .pdf)",
        )
    if not doc.text.strip():
        raise ReadError(f"{p}: no text found in the file", f"Không có nội dung văn bản trong tệp {p.name}")
    if len(doc.text) > MAX_TEXT_CHARS:
        raise ReadError(
            f"{p}: the text is too long ({len(doc.text)} characters, limit {MAX_TEXT_CHARS})",
            f"Văn bản quá dài ({len(doc.text)} ký tự)",
        )
    return doc


# ---- text and encodings --------------------------------------------------------------------------

def _looks_binary(data: bytes) -> bool:
    head = data[:8192]
    if b"\x00" in head:
        return True
    for magic in (b"%PDF", b"PK\x03\x04", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\x7fELF", b"MZ", b"\xd0\xcf\x11\xe0"):
        if head.startswith(magic):
            return True
    control = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    return control > len(head) * 0.02


# Characteristic spellings of common words in the legacy font encodings, read as Latin-1/cp1252.
_TCVN3_MARKERS = ("c¸c", "cña", "n¨m", "vµ", "®­îc", "®Õn", "th«ng", "tØnh", "ViÖt", "ngµy", "c«ng", "®·")
_VNI_MARKERS = ("caùc", "cuûa", "naêm", "vaø", "ñöôïc", "ñeán", "thoâng", "tænh", "Vieät", "ngaøy", "coâng", "ñaõ")
_VI_WORDS = re.compile(r"(?<!\w)(của|và|các|năm|được|thông|tỉnh|ngày|công|những|trong)(?!\w)")


def detect_legacy_encoding(data: bytes) -> str | None:
    """"tcvn3", "vni", "cp1258" or ``None`` for bytes that are not UTF-8."""
    latin = data.decode("latin-1")
    tcvn = sum(latin.count(m) for m in _TCVN3_MARKERS)
    try:
        cp = data.decode("cp1252")
    except UnicodeDecodeError:
        cp = latin
    vni = sum(cp.count(m) for m in _VNI_MARKERS)
    try:
        w1258 = unicodedata.normalize("NFC", data.decode("cp1258"))
        vi = len(_VI_WORDS.findall(w1258))
    except UnicodeDecodeError:
        vi = 0
    best = max((tcvn, "tcvn3"), (vni, "vni"), (vi, "cp1258"))
    return best[1] if best[0] >= 2 else None


def read_txt_bytes(data: bytes, name: str = "file") -> Document:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16")
        return Document(text, "txt", "utf-16", [f"{name}: converted from UTF-16 to UTF-8"])
    if _looks_binary(data):
        raise ReadError(
            f"{name}: this is a binary file, not text (renamed .txt?)",
            f"Tệp {name} là tệp nhị phân, không phải văn bản",
        )
    try:
        return Document(data.decode("utf-8"), "txt")
    except UnicodeDecodeError:
        pass
    enc = detect_legacy_encoding(data)
    if enc == "cp1258":
        text = unicodedata.normalize("NFC", data.decode("cp1258"))
        return Document(text, "txt", "cp1258", [f"{name}: converted from Windows-1258 to UTF-8 (offsets refer to the converted text)"])
    if enc in ("vni", "tcvn3"):
        label = {"vni": "VNI", "tcvn3": "TCVN3 (ABC)"}[enc]
        raise ReadError(
            f"{name}: the text is in the legacy {label} Vietnamese encoding; convert it to Unicode (UTF-8) first, "
            "e.g. with UniKey's converter",
            f"Tệp {name} dùng bảng mã cũ {label}; hãy chuyển sang Unicode (UTF-8) trước, ví dụ bằng công cụ chuyển mã của UniKey",
        )
    raise ReadError(
        f"{name}: the text is not UTF-8 and not a recognised Vietnamese encoding (Windows-1258, VNI, TCVN3)",
        f"Tệp {name} không phải UTF-8 và không thuộc bảng mã tiếng Việt đã biết",
    )


# ---- HTML ----------------------------------------------------------------------------------------

_SKIP_TAGS = {
    "script", "style", "noscript", "nav", "header", "footer", "aside", "form", "iframe", "button",
    "select", "option", "textarea", "svg", "canvas", "template", "menu", "object", "embed", "head",
}
_BLOCK_TAGS = {
    "p", "div", "br", "li", "ul", "ol", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6", "section",
    "article", "blockquote", "pre", "dd", "dt", "dl", "figure", "figcaption", "main", "td", "th", "hr",
}
_VOID_TAGS = {"br", "img", "hr", "meta", "link", "input", "area", "base", "col", "embed", "source", "track", "wbr"}
_NOISE_ATTR = re.compile(
    r"(?:^|[\s_-])(?:nav|navbar|menu|sidebar|side-bar|aside|widget|breadcrumbs?|comments?|binh-?luan|"
    r"counter|visitors?|thong-?ke|statistic|footer|header|banner|advert|ads|share|social|related|"
    r"tin-?lien-?quan|tin-?khac|most-?read|popular|tags?|print|toolbar|login|search|cookie|modal|popup|"
    r"pagination|pager|rating|vote)(?:$|[\s_-])",
    re.I,
)


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip_stack: list[str] = []
        self.title: list[str] = []
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self._in_title = True
        if self.skip_stack:
            if tag not in _VOID_TAGS:
                self.skip_stack.append(tag)
            return
        attr = " ".join(v or "" for k, v in attrs if k in ("class", "id", "role"))
        if tag in _SKIP_TAGS or (attr and _NOISE_ATTR.search(attr)):
            if tag not in _VOID_TAGS:
                self.skip_stack.append(tag)
            return
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if self.skip_stack:
            # Close up to the matching tag (HTML in the wild is not always well nested).
            if tag in self.skip_stack:
                while self.skip_stack:
                    if self.skip_stack.pop() == tag:
                        break
            return
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title.append(data)
            return
        if not self.skip_stack:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    parser = _TextExtractor()
    parser.feed(markup)
    parser.close()
    raw = "".join(parser.parts)
    lines = [re.sub(r"[ \t\r\f\v]+", " ", ln).strip() for ln in raw.split("\n")]
    out: list[str] = []
    for ln in lines:
        if ln or (out and out[-1]):
            out.append(ln)
    text = "\n".join(out).strip()
    if not text and parser.title:
        text = html.unescape(" ".join(parser.title)).strip()
    return unicodedata.normalize("NFC", text) + "\n"


def read_html_bytes(data: bytes, name: str = "file") -> Document:
    head = data[:4096].decode("ascii", "ignore").lower()
    m = re.search(r"charset=[\"']?([a-z0-9_-]+)", head)
    enc = m.group(1) if m else "utf-8"
    try:
        markup = data.decode(enc)
    except (LookupError, UnicodeDecodeError):
        try:
            markup = data.decode("utf-8")
            enc = "utf-8"
        except UnicodeDecodeError as exc:
            legacy = detect_legacy_encoding(data)
            if legacy == "cp1258":
                markup, enc = data.decode("cp1258"), "cp1258"
            else:
                raise ReadError(
                    f"{name}: the page is not UTF-8 and declares no usable charset",
                    f"Trang {name} không dùng UTF-8 và không khai báo bảng mã hợp lệ",
                ) from exc
    if "\x00" in markup[:4096]:
        raise ReadError(f"{name}: this is a binary file, not HTML", f"Tệp {name} không phải HTML")
    return Document(html_to_text(markup), "html", enc)


# ---- DOCX ----------------------------------------------------------------------------------------

_W_NS = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _paragraph_text(p: ET.Element) -> str:
    buf: list[str] = []
    for el in p.iter():
        if el.tag == f"{_W_NS}t" and el.text:
            buf.append(el.text)
        elif el.tag == f"{_W_NS}tab":
            buf.append("\t")
        elif el.tag in (f"{_W_NS}br", f"{_W_NS}cr"):
            buf.append("\n")
    return "".join(buf)


class TooManyElements(ValueError):
    pass


def _docx_paragraphs(xml: bytes) -> list[str]:
    """The text of every ``w:p`` in document order (nested ones after their parent), parsed as a stream:
    each finished element outside a paragraph is dropped from the tree, so memory follows the largest
    paragraph, not the document (millions of empty elements cannot build a huge tree)."""
    import io

    para = f"{_W_NS}p"
    paras: list[str] = []
    stack: list[ET.Element] = []
    in_para = 0  # how many open elements of the stack are paragraphs
    elements = 0
    for event, el in ET.iterparse(io.BytesIO(xml), events=("start", "end")):
        if event == "start":
            elements += 1
            if elements > MAX_DOCX_ELEMENTS:
                raise TooManyElements(elements)
            stack.append(el)
            in_para += el.tag == para
            continue
        stack.pop()
        in_para -= el.tag == para
        if in_para:
            continue  # inside a paragraph: kept until the outermost paragraph ends
        if el.tag == para:
            paras.extend(_paragraph_text(p) for p in el.iter(para))
        if stack:
            # Every earlier child of the parent has ended and been read: drop them all (cheaper than
            # removing this one child from the front of a long list).
            stack[-1].clear()
    return paras


def read_docx_bytes(data: bytes, name: str = "file") -> Document:
    import io

    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ReadError(f"{name}: not a valid .docx (not a zip archive)", f"Tệp {name} không phải .docx hợp lệ") from exc
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_ZIP_ENTRIES:
            raise ReadError(f"{name}: too many entries in the archive ({len(infos)})", f"Tệp {name} có quá nhiều thành phần")
        total = sum(i.file_size for i in infos)
        packed = sum(i.compress_size for i in infos) or 1
        if total > MAX_DOCX_UNCOMPRESSED or total / packed > MAX_DOCX_RATIO:
            raise ReadError(
                f"{name}: the archive expands to {total} bytes (ratio {total / packed:.0f}:1); refusing a possible zip bomb",
                f"Tệp {name} giải nén quá lớn, nghi là tệp độc hại",
            )
        # Per entry too: an incompressible filler must not hide one part that inflates ~1000:1.
        for i in infos:
            ratio = i.file_size / max(i.compress_size, 1)
            if i.file_size > DOCX_RATIO_FLOOR and ratio > MAX_DOCX_RATIO:
                raise ReadError(
                    f"{name}: {i.filename} expands {ratio:.0f}:1 to {i.file_size} bytes; refusing a possible zip bomb",
                    f"Tệp {name} giải nén quá lớn, nghi là tệp độc hại",
                )
        try:
            info = zf.getinfo("word/document.xml")
        except KeyError as exc:
            raise ReadError(f"{name}: no word/document.xml in the archive (not a Word document)", f"Tệp {name} không phải tài liệu Word") from exc
        try:
            with zf.open(info) as fh:
                xml = fh.read(MAX_DOCX_UNCOMPRESSED + 1)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
            # e.g. a directory that lies about the sizes (Bad CRC-32), an unknown compression, encryption
            raise ReadError(f"{name}: the archive is damaged or not supported ({exc})", f"Tệp {name} bị hỏng") from exc
    if len(xml) > MAX_DOCX_UNCOMPRESSED:
        raise ReadError(f"{name}: document.xml is too large", f"Tệp {name} quá lớn")
    if b"<!DOCTYPE" in xml[:2048] or b"<!ENTITY" in xml:
        raise ReadError(f"{name}: the document declares XML entities; refused", f"Tệp {name} chứa khai báo XML không được phép")
    try:
        paras = _docx_paragraphs(xml)
    except TooManyElements as exc:
        raise ReadError(
            f"{name}: document.xml has more than {MAX_DOCX_ELEMENTS} XML elements; refused",
            f"Tệp {name} quá lớn (quá nhiều thành phần), nghi là tệp độc hại",
        ) from exc
    except ET.ParseError as exc:
        raise ReadError(f"{name}: document.xml is not well-formed XML ({exc})", f"Tệp {name} bị hỏng") from exc
    text = unicodedata.normalize("NFC", "\n".join(paras).strip()) + "\n"
    return Document(text, "docx")


# ---- PDF -----------------------------------------------------------------------------------------

def read_pdf_bytes(data: bytes, name: str = "file") -> Document:
    if not data.startswith(b"%PDF"):
        raise ReadError(f"{name}: not a PDF file (no %PDF header)", f"Tệp {name} không phải PDF")
    text = None
    notes = []
    try:
        import io

        from pypdf import PdfReader  # optional dependency

        try:
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted:
                raise ReadError(f"{name}: the PDF is encrypted", f"Tệp PDF {name} đã bị mã hóa")
            pages = [(pg.extract_text() or "") for pg in reader.pages[:500]]
        except ReadError:
            raise
        except Exception as exc:
            raise ReadError(f"{name}: the PDF cannot be read ({exc})", f"Không đọc được tệp PDF {name}") from exc
        text = "\n\n".join(pages)
        notes.append("pypdf")
    except ImportError:
        exe = shutil.which("pdftotext")
        if exe is None:
            raise ReadError(
                f"{name}: reading PDF needs the 'pypdf' package or poppler's pdftotext; neither is installed",
                "Máy chủ chưa cài công cụ đọc PDF (pypdf hoặc pdftotext)",
            ) from None
        try:
            res = subprocess.run([exe, "-enc", "UTF-8", "-layout", "-", "-"], input=data, capture_output=True, timeout=60)
        except subprocess.TimeoutExpired as exc:
            raise ReadError(f"{name}: pdftotext timed out", f"Đọc tệp PDF {name} quá lâu") from exc
        if res.returncode != 0:
            raise ReadError(
                f"{name}: pdftotext failed: {res.stderr.decode(errors='replace')[:200]}", f"Không đọc được tệp PDF {name}"
            ) from None
        text = res.stdout.decode("utf-8", "replace")
        notes.append("pdftotext")
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    if len(re.findall(r"[^\W\d_]", text)) < 20:
        raise ReadError(
            f"{name}: the PDF has no text layer (a scanned image?); run OCR first",
            f"Tệp PDF {name} không có lớp văn bản (bản quét?); cần nhận dạng chữ (OCR) trước",
        )
    return Document(text, "pdf", notes=notes)
