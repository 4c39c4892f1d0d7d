"""One place for upload limits: the largest size and the accepted types of every kind of upload.

- ``BAOCAO_UPLOAD_MAX_BYTES`` (settings, default 20 MiB) bounds every uploaded file; the Excel form
  keeps its own tighter zip-bomb limits (``baocao.excel.services.Limits``) and DHIS2 imports their own
  streaming limit (``BAOCAO_IMPORT_MAX_BYTES``), both checked by those apps as well.
- ``check_upload(upload, kind)`` is what a view calls before reading a file: size first, then the file
  name's extension, then the first bytes (a .docx must be a zip, a .pdf must start with %PDF-).
  It raises ``UploadRejected`` with a Vietnamese message naming the file; nothing has been read or
  written by then.
- ``UploadSizeMiddleware`` refuses a multipart request whose declared body is larger than the limit
  (HTTP 413) before Django spools it to disk.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from baocao.core.numbers import format_number

ZIP = (b"PK\x03\x04",)


@dataclass(frozen=True)
class Kind:
    label: str
    # extension -> accepted leading bytes (empty tuple: text, any bytes)
    types: dict[str, tuple[bytes, ...]]


KINDS: dict[str, Kind] = {
    "excel": Kind("biểu mẫu Excel", {".xlsx": ZIP}),
    "document": Kind(
        "văn bản báo cáo",
        {".txt": (), ".md": (), ".html": (), ".htm": (), ".xhtml": (), ".docx": ZIP, ".pdf": (b"%PDF-",)},
    ),
    "import": Kind("tệp nhập dữ liệu", {".json": (), ".csv": ()}),
}


class UploadRejected(ValidationError):
    pass


def max_bytes(kind: str) -> int:
    """The largest accepted file of this kind (never above BAOCAO_UPLOAD_MAX_BYTES except imports)."""
    limit = settings.BAOCAO_UPLOAD_MAX_BYTES
    if kind == "excel":
        from baocao.excel.services import default_limits

        return min(limit, default_limits().max_bytes)
    if kind == "import":
        from baocao.interchange.services import max_upload_bytes

        return max_upload_bytes()
    return limit


def _mb(n: int) -> str:
    return format_number(round(n / 1024 / 1024, 1), 1)


def check_upload(upload: Any, kind: str) -> None:
    """Refuse a file that is too large, of a type not accepted for ``kind``, or not what its name says."""
    spec = KINDS[kind]
    name = PurePath(getattr(upload, "name", "") or "").name
    size = int(getattr(upload, "size", 0) or 0)
    limit = max_bytes(kind)
    if size > limit:
        raise UploadRejected(
            _("Tệp %(name)s quá lớn (%(size)s MB); tối đa %(limit)s MB.") % {"name": name, "size": _mb(size), "limit": _mb(limit)},
            code="too_large",
        )
    if size == 0:
        raise UploadRejected(_("Tệp %(name)s rỗng.") % {"name": name}, code="empty")
    ext = PurePath(name).suffix.lower()
    if ext not in spec.types:
        raise UploadRejected(
            _("Tệp %(name)s không đúng loại: %(kind)s chỉ nhận %(types)s.")
            % {"name": name, "kind": spec.label, "types": ", ".join(sorted(spec.types))},
            code="bad_type",
        )
    magic = spec.types[ext]
    if magic:
        head = upload.read(8)
        upload.seek(0)
        if not any(head.startswith(m) for m in magic):
            raise UploadRejected(
                _("Nội dung tệp %(name)s không phải là tệp %(ext)s hợp lệ.") % {"name": name, "ext": ext}, code="bad_content"
            )


# Room for the other fields and the multipart boundaries around the file.
MULTIPART_OVERHEAD = 1024 * 1024


class UploadSizeMiddleware:
    """413 for a multipart body declared larger than the upload limit, before it is read."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.META.get("CONTENT_TYPE", "").startswith("multipart/form-data"):
            length = request.META.get("CONTENT_LENGTH") or ""
            limit = settings.BAOCAO_UPLOAD_MAX_BYTES
            if length.isdigit() and int(length) > limit + MULTIPART_OVERHEAD:
                return render(
                    request,
                    "core/upload_too_large.html",
                    {"size": _mb(int(length)), "limit": _mb(limit)},
                    status=413,
                )
        return self.get_response(request)
