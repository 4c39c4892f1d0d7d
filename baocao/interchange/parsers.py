"""Streaming readers for DHIS2 dataValueSets (JSON and CSV): one value at a time, never the whole body.

Both readers take a binary file-like object (``request`` itself, a file, ``io.BytesIO``) and yield
``(index, mapping)`` pairs, ``index`` being the 0-based position of the value in ``dataValues`` (CSV:
the data row after the header). A body that cannot be read any further (broken JSON syntax, invalid
UTF-8, a CSV quote never closed) raises ``FormatError`` with the position; the caller rolls back.
A CSV row with the wrong number of cells is not fatal: it is yielded as ``{"_bad": message}``.

``LimitedReader`` counts the bytes read and raises ``TooLarge`` past the configured limit, so a
client that lies about (or omits) ``Content-Length`` is still stopped.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from collections.abc import Iterator
from typing import Any, BinaryIO

CHUNK = 256 * 1024
MAX_OBJECT_CHARS = 1024 * 1024  # one data value (or a header field) larger than this is refused

#: DHIS2's CSV column order (``dataelement,period,orgunit,...``) followed by our extensions.
CSV_COLUMNS = (
    "dataElement", "period", "orgUnit", "categoryOptionCombo", "attributeOptionCombo", "value", "storedBy",
    "lastUpdated", "comment", "followup", "deleted", "numerator", "denominator", "qualifier",
)  # fmt: skip
_CSV_ALIASES = {c.lower(): c for c in CSV_COLUMNS} | {
    "catoptcombo": "categoryOptionCombo",
    "attroptcombo": "attributeOptionCombo",
    "dataelementid": "dataElement",
    "orgunitid": "orgUnit",
}
#: Top-level fields of a JSON dataValueSet that apply to every value (DHIS2 semantics).
HEADER_DEFAULTS = ("period", "orgUnit", "attributeOptionCombo", "dataSet")


class FormatError(ValueError):
    """The body is not a readable dataValueSet; ``where`` says where reading stopped."""

    def __init__(self, message: str, where: str = "") -> None:
        super().__init__(f"{message} ({where})" if where else message)
        self.message = message
        self.where = where


class TooLarge(ValueError):  # noqa: N818 - mapped to HTTP 413
    def __init__(self, limit: int) -> None:
        super().__init__(f"Tệp tải lên vượt quá giới hạn {limit:,} byte".replace(",", "."))
        self.limit = limit


class LimitedReader(io.RawIOBase):
    """A raw binary stream over ``source.read`` that refuses more than ``limit`` bytes."""

    def __init__(self, source: Any, limit: int | None = None) -> None:
        self.source = source
        self.limit = limit
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        data = self.source.read(len(b))
        n = len(data)
        self.count += n
        if self.limit is not None and self.count > self.limit:
            raise TooLarge(self.limit)
        b[:n] = data
        return n


_WS = re.compile(r"[ \t\n\r]*")


class _JsonStream:
    """A text buffer over a binary stream with incremental UTF-8 decoding."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.decoder = codecs.getincrementaldecoder("utf-8-sig")("strict")
        self.buf = ""
        self.pos = 0
        self.base = 0  # characters dropped from the front of buf
        self.eof = False

    def more(self) -> bool:
        if self.eof:
            return False
        data = self.raw.read(CHUNK)
        try:
            text = self.decoder.decode(data or b"", final=not data)
        except UnicodeDecodeError as exc:
            raise FormatError("Nội dung không phải UTF-8 hợp lệ", f"byte {exc.start}") from None
        if not data:
            self.eof = True
        if self.pos > CHUNK:
            self.base += self.pos
            self.buf = self.buf[self.pos :]
            self.pos = 0
        self.buf += text
        return True

    def where(self) -> str:
        return f"ký tự thứ {self.base + self.pos + 1}"

    def skip_ws(self) -> None:
        while True:
            self.pos = _WS.match(self.buf, self.pos).end()
            if self.pos < len(self.buf) or not self.more():
                return

    def peek(self) -> str:
        self.skip_ws()
        return self.buf[self.pos] if self.pos < len(self.buf) else ""

    def expect(self, ch: str, what: str) -> None:
        got = self.peek()
        if got != ch:
            shown = f"“{got}”" if got else "hết dữ liệu"
            raise FormatError(f"JSON không hợp lệ: cần {what} nhưng gặp {shown}", self.where())
        self.pos += 1

    def value(self, decode: Any) -> Any:
        """Decode one JSON value at the current position, reading more input while it is incomplete."""
        self.skip_ws()
        while True:
            try:
                obj, end = decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                # An incomplete value at the end of the buffer: read more (bounded) and try again.
                if not self.eof and len(self.buf) - self.pos < MAX_OBJECT_CHARS and self.more():
                    continue
                if not self.eof and len(self.buf) - self.pos >= MAX_OBJECT_CHARS:
                    raise FormatError("JSON không hợp lệ hoặc một phần tử quá lớn", self.where()) from None
                raise FormatError(f"JSON không hợp lệ: {exc.msg}", f"ký tự thứ {self.base + exc.pos + 1}") from None
            # A number at the very end of the buffer may continue in the next chunk.
            if end >= len(self.buf) and not self.eof and isinstance(obj, (int, float)):
                self.more()
                continue
            self.pos = end
            return obj


def read_json(stream: BinaryIO, defaults: dict[str, Any] | None = None) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(index, value)`` from a JSON dataValueSet ``{"dataValues": [...], ...}``, streaming.

    Top-level ``period``, ``orgUnit``, ``attributeOptionCombo`` and ``dataSet`` apply to the values
    that do not set them; they must come before ``dataValues`` (as DHIS2 writes them). ``defaults``
    receives the top-level fields read. A top-level array of values is accepted too.
    """
    js = _JsonStream(stream)
    decode = json.JSONDecoder().raw_decode
    header: dict[str, Any] = defaults if defaults is not None else {}
    first = js.peek()
    if first == "[":
        yield from _read_array(js, decode, header)
        _end(js)
        return
    js.expect("{", "“{” (một đối tượng dataValueSet)")
    seen_values = False
    if js.peek() == "}":
        js.pos += 1
        _end(js)
        return
    while True:
        key = js.value(decode)
        if not isinstance(key, str):
            raise FormatError("JSON không hợp lệ: tên trường phải là chuỗi", js.where())
        js.expect(":", "“:”")
        if key == "dataValues":
            if seen_values:
                raise FormatError("JSON có hai mảng dataValues", js.where())
            seen_values = True
            if js.peek() == "n":
                js.value(decode)  # null
            else:
                yield from _read_array(js, decode, header)
        else:
            header[key] = js.value(decode)
        sep = js.peek()
        if sep == ",":
            js.pos += 1
            continue
        js.expect("}", "“,” hoặc “}”")
        break
    _end(js)


def _end(js: _JsonStream) -> None:
    if js.peek() != "":
        raise FormatError("JSON không hợp lệ: còn dữ liệu sau khi đóng đối tượng", js.where())


_SEP = re.compile(r"[ \t\n\r]*([,\]])[ \t\n\r]*")


def _read_array(js: _JsonStream, decode: Any, header: dict[str, Any]) -> Iterator[tuple[int, dict[str, Any]]]:
    js.expect("[", "“[” (mảng dataValues)")
    defaults = {k: header[k] for k in HEADER_DEFAULTS if header.get(k) not in (None, "")}
    index = 0
    if js.peek() == "]":
        js.pos += 1
        return
    js.skip_ws()
    scan = json.JSONDecoder().scan_once
    sep = _SEP.match
    while True:
        # Fast path: an object and its separator wholly inside the buffer.
        buf, pos = js.buf, js.pos
        try:
            obj, end = scan(buf, pos)
        except StopIteration:
            obj = end = None
        except json.JSONDecodeError:
            obj = end = None
        m = sep(buf, end) if end is not None and type(obj) is dict else None
        if m is None:
            # Slow path: the object or its separator continues in the next chunk (or is malformed).
            obj = js.value(decode)
            ch = js.peek()
            if ch not in (",", "]"):
                js.expect("]", "“,” hoặc “]” trong mảng dataValues")
            js.pos += 1
            last = ch == "]"
            js.skip_ws()
        else:
            js.pos = m.end()
            last = m.group(1) == "]"
        if type(obj) is dict:
            if defaults:
                for k, v in defaults.items():
                    if obj.get(k) in (None, ""):
                        obj[k] = v
            yield index, obj
        else:
            yield index, {"_bad": f"Phần tử thứ {index} của dataValues không phải là một đối tượng JSON"}
        index += 1
        if last:
            return


def read_csv(stream: BinaryIO) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(index, value)`` from a DHIS2 CSV dataValueSet.

    With a header row (DHIS2's lowercase names or the JSON camelCase names, any order) columns are
    taken by name; without one, by DHIS2's positional order (:data:`CSV_COLUMNS`).
    """
    buffered = stream if isinstance(stream, io.BufferedIOBase) else io.BufferedReader(stream, CHUNK)  # type: ignore[arg-type]
    text = io.TextIOWrapper(buffered, encoding="utf-8-sig", errors="strict", newline="")
    reader = csv.reader(text, strict=True)
    columns: list[str] | None = None
    index = 0
    try:
        for cells in reader:
            if not cells or (len(cells) == 1 and not cells[0].strip()):
                continue
            if columns is None:
                names = [_CSV_ALIASES.get(c.strip().lower().replace("_", "")) for c in cells]
                if names[0] is not None:
                    unknown = [c for c, n in zip(cells, names, strict=True) if n is None]
                    if unknown:
                        raise FormatError(f"CSV: cột không biết: {', '.join(unknown[:5])}", "dòng tiêu đề")
                    columns = names  # type: ignore[assignment]
                    continue
                columns = list(CSV_COLUMNS)
            if len(cells) > len(columns) or (len(cells) < 6 and len(columns) >= 6):
                yield index, {"_bad": f"Dòng CSV có {len(cells)} ô, cần từ 6 đến {len(columns)} ô"}
            else:
                yield index, dict(zip(columns, cells, strict=False))
            index += 1
    except csv.Error as exc:
        raise FormatError(f"CSV không hợp lệ: {exc}", f"dòng {reader.line_num}") from None
    except UnicodeDecodeError as exc:
        raise FormatError("Nội dung không phải UTF-8 hợp lệ", f"byte {exc.start}") from None
    finally:
        text.detach()
