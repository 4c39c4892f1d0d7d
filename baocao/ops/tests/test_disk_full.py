"""A full disk on upload: a clear Vietnamese error (507), and nothing half-written — no file, no row.

Two ways to fill the disk, both through the real ``MediaStorage`` write path:

- ``tmpfs``: MEDIA_ROOT is a real 256 KB tmpfs (``mount -t tmpfs -o size=256k``; needs root, skipped
  otherwise);
- ``enospc``: every file opened under MEDIA_ROOT shares a 256 KB budget; the write that passes it
  writes what fits and then raises ``OSError(ENOSPC)`` — what a full disk does.
"""

from __future__ import annotations

import errno
import os
import subprocess
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from baocao.recommendations import services as s
from baocao.recommendations.models import Attachment, Recommendation, RecommendationEvent
from baocao.recommendations.tests.factories import World

BUDGET = 256 * 1024


def _pdf(name: str, size: int) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n" + os.urandom(size - 9), content_type="application/pdf")


class _Budgeted:
    """A file object under MEDIA_ROOT on a "disk" of BUDGET bytes: what the files there already take is
    used; a write that does not fit writes what fits, then raises ENOSPC."""

    def __init__(self, real, root: Path) -> None:
        self.real, self.root = real, root

    def write(self, data: bytes) -> int:
        self.real.flush()
        used = sum(p.stat().st_size for p in self.root.rglob("*") if p.is_file())
        room = BUDGET - used
        if len(data) > room:
            self.real.write(data[:max(room, 0)])
            self.real.flush()
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return self.real.write(data)

    def __getattr__(self, name: str):
        return getattr(self.real, name)


@pytest.fixture(params=["tmpfs", "enospc"])
def full_media(request, tmp_path, settings, monkeypatch):
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    from django.core.files.storage import default_storage

    from baocao.ops.storage import MediaStorage

    assert isinstance(default_storage, MediaStorage) and default_storage.location == str(root)
    if request.param == "tmpfs":
        if os.geteuid() != 0:
            pytest.skip("mounting a tmpfs needs root; the enospc variant covers this")
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={BUDGET // 1024}k,mode=0755", "tmpfs", str(root)],
                           capture_output=True, text=True)
        if r.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here ({r.stderr.strip()}); the enospc variant covers this")
        try:
            yield root
        finally:
            subprocess.run(["umount", str(root)], check=False)
        return
    import django.core.files.storage.filesystem as fs_module

    real_fdopen = os.fdopen

    def fdopen(fd, *args, **kwargs):
        f = real_fdopen(fd, *args, **kwargs)
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            return f
        return _Budgeted(f, root) if target.startswith(str(root)) else f

    monkeypatch.setattr(fs_module.os, "fdopen", fdopen)
    yield root


def _files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


@pytest.mark.django_db
def test_full_disk_on_upload_gives_a_clear_error_and_writes_nothing(full_media):
    w = World()
    c = Client(raise_request_exception=False)
    c.force_login(w.reporter_cb)
    recs, atts, events = Recommendation.objects.count(), Attachment.objects.count(), RecommendationEvent.objects.count()

    # Two files: the first fits, the second fills the disk. Neither the recommendation, nor its
    # attachments, nor the first file may remain.
    r = c.post(reverse("recommendations:create"), {
        "title": "Đề nghị có tệp lớn", "text": "Nội dung kiến nghị.", "addressee": "ministry",
        "files": [_pdf("to-trinh.pdf", 100 * 1024), _pdf("phu-luc.pdf", 400 * 1024)],
    })
    body = r.content.decode()
    assert r.status_code == 507, body[:500]
    assert "hết dung lượng lưu trữ" in body and "tệp chưa được lưu" in body
    assert "Traceback" not in body and "OSError" not in body
    assert (Recommendation.objects.count(), Attachment.objects.count(), RecommendationEvent.objects.count()) == (recs, atts, events)
    assert _files(full_media) == []

    # Attaching one file too large for what is left: same.
    rec = s.create_recommendation(w.reporter_cb, s.NewRecommendation(title="Có sẵn", text="Nội dung."))
    r = c.post(reverse("recommendations:attach", args=[rec.pk]), {"file": _pdf("bien-ban.pdf", 300 * 1024)})
    assert r.status_code == 507
    assert not rec.attachments.exists() and _files(full_media) == []

    # What fits is stored as usual: the disk being nearly full blocks only what does not fit.
    r = c.post(reverse("recommendations:attach", args=[rec.pk]), {"file": _pdf("nho.pdf", 20 * 1024)})
    assert r.status_code == 302
    att = rec.attachments.get()
    assert _files(full_media) == [att.file.name]
    assert (full_media / att.file.name).stat().st_size == 20 * 1024
