"""The media storage: like Django's FileSystemStorage, but a failed write leaves nothing behind.

Django's ``FileSystemStorage._save`` keeps a half-written file when the disk fills up (ENOSPC) or the
quota is exceeded (EDQUOT). ``MediaStorage`` removes that partial file and raises ``StorageFull``; the
files a request saved before the failure are remembered so that the error handler
(``baocao.ops.views.server_error``) can remove those no row refers to (their transaction was rolled
back). ``STORAGES["default"]`` points here.
"""

from __future__ import annotations

import errno
import os
import threading
from typing import Any

from django.core.files.storage import FileSystemStorage
from django.core.signals import request_started

_saved = threading.local()


class StorageFull(OSError):  # noqa: N818 - an OSError like the one it wraps
    """The upload could not be stored: no space left (or quota exceeded). Nothing of it was kept."""


def _reset(**_: Any) -> None:
    _saved.names = []


request_started.connect(_reset, dispatch_uid="baocao.ops.storage.reset")


def saved_in_this_request() -> list[str]:
    return list(getattr(_saved, "names", []))


class MediaStorage(FileSystemStorage):
    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        chosen = super().get_available_name(name, max_length=max_length)
        _saved.pending = chosen  # the file _save is about to create (it does not exist yet)
        return chosen

    def _save(self, name: str, content: Any) -> str:
        try:
            stored = super()._save(name, content)
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                self._remove_partial()
                raise StorageFull(exc.errno, "no space left to store the upload", name) from exc
            raise
        finally:
            _saved.pending = None
        names = getattr(_saved, "names", None)
        if names is not None:
            names.append(stored)
        return stored

    def _remove_partial(self) -> None:
        pending = getattr(_saved, "pending", None)
        if pending and os.path.exists(self.path(pending)):
            try:
                os.remove(self.path(pending))
            except OSError:
                pass
