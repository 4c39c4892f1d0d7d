"""Backup and restore: the database and the uploaded documents in one archive with a manifest.

An archive is a tar file (gzip-compressed when its name ends in ``.gz``/``.tgz``) holding

- ``manifest.json``: format, engine, creation time, the SHA-256 and size of every other member, and the
  row count and checksum of every table at the moment of the snapshot;
- ``db/baocao.sqlite3`` (SQLite: a consistent online snapshot through the sqlite3 backup API) or
  ``db/baocao.pgdump`` (PostgreSQL: ``pg_dump --format=custom`` of a snapshot exported by the same
  transaction that computed the table checksums, with the ``pg_dump`` of the server's major version);
- ``media/<path>``: every file under ``MEDIA_ROOT``.

Restore checks everything before it touches anything: the manifest, the checksum and size of every
member, no unsafe member names, the target database is empty (unless ``force``). The database is then
replaced in one step (SQLite: the backup API writes the verified snapshot into the target in one
transaction; PostgreSQL: the whole ``pg_restore`` script runs in a single transaction with
``ON_ERROR_STOP``) and the media directory is swapped in by rename; a failure at any point leaves
the previous database and files as they were.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

FORMAT = "baocao-backup/1"
MANIFEST = "manifest.json"
SQLITE_MEMBER = "db/baocao.sqlite3"
PG_MEMBER = "db/baocao.pgdump"
CHUNK = 1 << 20
# Tables that a freshly migrated database already fills; rows there do not make it "non-empty".
BOOKKEEPING = {"django_migrations", "django_content_type", "auth_permission", "django_site"}


class BackupError(RuntimeError):
    """Backup or restore refused or failed; ``message`` says why precisely. Nothing was changed."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Target:
    """Where a backup comes from or a restore goes: a database (Django settings dict) and a media dir."""

    database: Mapping[str, Any]
    media_root: Path

    @property
    def vendor(self) -> str:
        engine = self.database["ENGINE"]
        if "sqlite3" in engine:
            return "sqlite"
        if "postgresql" in engine:
            return "postgresql"
        raise BackupError(f"unsupported database engine {engine}")

    @classmethod
    def default(cls, alias: str = "default") -> Target:
        from django.conf import settings
        from django.db import connections

        return cls(database=dict(connections[alias].settings_dict), media_root=Path(settings.MEDIA_ROOT))


@dataclass
class Manifest:
    engine: str
    created_at: str
    files: dict[str, dict[str, Any]] = field(default_factory=dict)  # member → {sha256, size}
    tables: dict[str, dict[str, Any]] = field(default_factory=dict)  # table → {rows, sha256}
    server_version: str = ""
    format: str = FORMAT

    def to_json(self) -> bytes:
        return json.dumps(self.__dict__, ensure_ascii=False, indent=1, sort_keys=True).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> Manifest:
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise BackupError(f"manifest.json is not valid JSON: {exc}") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise BackupError(f"not a baocao backup: manifest format is {data.get('format') if isinstance(data, dict) else data!r}, expected {FORMAT}")
        try:
            return cls(**{k: data[k] for k in ("engine", "created_at", "files", "tables", "server_version", "format")})
        except KeyError as exc:
            raise BackupError(f"manifest.json lacks the field {exc}") from None

    @property
    def media_files(self) -> list[str]:
        return sorted(m for m in self.files if m.startswith("media/"))


# --- checksums ----------------------------------------------------------------------------------------


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def media_checksums(root: Path) -> dict[str, str]:
    """``relative/path`` → SHA-256 of every regular file under ``root`` (nothing when it does not exist)."""
    out: dict[str, str] = {}
    if not root.is_dir():
        return out
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            out[path.relative_to(root).as_posix()] = file_sha256(path)
    return out


def _sqlite_tables(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    return [r[0] for r in rows]


def _qi(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sqlite_checksums(conn: sqlite3.Connection) -> dict[str, dict[str, Any]]:
    """Row count and SHA-256 of every table: each row as SQL literals (``quote()``), in primary-key order."""
    out = {}
    for table in _sqlite_tables(conn):
        cols = conn.execute(f"PRAGMA table_info({_qi(table)})").fetchall()
        pk = [c[1] for c in sorted(cols, key=lambda c: c[5]) if c[5]]
        order = ", ".join(_qi(c) for c in (pk or [c[1] for c in cols]))
        expr = " || ',' || ".join(f"quote({_qi(c[1])})" for c in cols)
        h, n = hashlib.sha256(), 0
        for (line,) in conn.execute(f"SELECT {expr} FROM {_qi(table)} ORDER BY {order}"):
            h.update(line.encode() + b"\n")
            n += 1
        out[table] = {"rows": n, "sha256": h.hexdigest()}
    return out


def pg_checksums(cur: Any) -> dict[str, dict[str, Any]]:
    """Row count and SHA-256 of every table in schema public: each row as PostgreSQL's own text of the
    record (``t::text``, UTC, ISO dates), in primary-key order (rows without a key: sorted text)."""
    cur.execute("SET LOCAL TIME ZONE 'UTC'")
    cur.execute("SET LOCAL DateStyle = 'ISO, YMD'")
    cur.execute("SET LOCAL extra_float_digits = 3")
    cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    tables = [r[0] for r in cur.fetchall()]
    out = {}
    for table in tables:
        cur.execute(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)"
            " WHERE i.indrelid = %s::regclass AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)",
            [f"public.{_qi(table)}"],
        )
        pk = [r[0] for r in cur.fetchall()]
        order = ", ".join(_qi(c) for c in pk) if pk else 't::text COLLATE "C"'
        h, n = hashlib.sha256(), 0
        cur.execute(f"SELECT t::text FROM public.{_qi(table)} t ORDER BY {order}")
        while batch := cur.fetchmany(5000):
            for (line,) in batch:
                h.update(line.encode() + b"\n")
                n += 1
        out[table] = {"rows": n, "sha256": h.hexdigest()}
    return out


# --- PostgreSQL helpers ---------------------------------------------------------------------------------


def pg_conninfo(db: Mapping[str, Any]) -> dict[str, Any]:
    info = {"dbname": db["NAME"], "user": db.get("USER") or None, "password": db.get("PASSWORD") or None,
            "host": db.get("HOST") or None, "port": str(db["PORT"]) if db.get("PORT") else None}
    return {k: v for k, v in info.items() if v}


def pg_connect(db: Mapping[str, Any], **kwargs: Any) -> Any:
    import psycopg

    try:
        return psycopg.connect(**pg_conninfo(db), **kwargs)
    except psycopg.Error as exc:
        raise BackupError(f"cannot connect to PostgreSQL database {db['NAME']}: {exc}".strip()) from None


def _pg_env(db: Mapping[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
    for var, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER"), ("PGPASSWORD", "PASSWORD"), ("PGDATABASE", "NAME")):
        if db.get(key):
            env[var] = str(db[key])
    return env


def pg_tool(name: str, server_version_num: int) -> str:
    """The ``pg_dump``/``pg_restore``/``psql`` of the server's major version (Debian keeps one per version
    under /usr/lib/postgresql/N/bin); a newer client also reads older servers, an older one cannot."""
    major = server_version_num // 10000
    candidates = [Path(f"/usr/lib/postgresql/{major}/bin/{name}")]
    candidates += sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: -_int(p.parts[-3]))
    for path in candidates:
        if path.exists() and _int(path.parts[-3]) >= major:
            return str(path)
    found = shutil.which(name)
    if found:
        out = subprocess.run([found, "--version"], capture_output=True, text=True).stdout
        m = re.search(r"(\d+)(?:\.\d+)?", out)
        if m and int(m.group(1)) >= major:
            return found
    raise BackupError(
        f"{name} for PostgreSQL {major} not found (looked in /usr/lib/postgresql/*/bin and PATH); "
        f"install postgresql-client-{major}"
    )


def _int(text: str) -> int:
    return int(text) if text.isdigit() else -1


def _run(cmd: list[str], env: Mapping[str, str], **kwargs: Any) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, env=dict(env), capture_output=True, **kwargs)
    if proc.returncode != 0:
        err = proc.stderr.decode(errors="replace") if isinstance(proc.stderr, bytes) else proc.stderr
        raise BackupError(f"{Path(cmd[0]).name} failed (exit {proc.returncode}): {err.strip()[-2000:]}")
    return proc


# --- backup -------------------------------------------------------------------------------------------------


def _tar_mode(path: Path, write: bool) -> str:
    gz = path.name.endswith((".gz", ".tgz"))
    if write:
        return "w:gz" if gz else "w"
    return "r:*"


def _snapshot_sqlite(db: Mapping[str, Any], dest: Path) -> tuple[dict[str, dict[str, Any]], str]:
    name = str(db["NAME"])
    uri = name.startswith("file:")  # Django's in-memory test database is a shared-cache URI
    if name == ":memory:":
        raise BackupError("cannot back up a private in-memory SQLite database")
    if not uri and not Path(name).exists():
        raise BackupError(f"SQLite database {name} does not exist")
    src = sqlite3.connect(name, timeout=60, uri=uri)
    dst = sqlite3.connect(dest)
    try:
        src.backup(dst)  # consistent online copy, even while others write (WAL)
        tables = sqlite_checksums(dst)
        version = sqlite3.sqlite_version
    finally:
        dst.close()
        src.close()
    return tables, version


def _snapshot_pg(db: Mapping[str, Any], dest: Path) -> tuple[dict[str, dict[str, Any]], str]:
    with pg_connect(db) as conn:
        version_num = conn.info.server_version
        with conn.cursor() as cur:
            cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cur.execute("SELECT pg_export_snapshot()")
            snapshot = cur.fetchone()[0]
            # pg_dump reads the very snapshot the checksums below are computed on.
            _run([pg_tool("pg_dump", version_num), "--format=custom", "--no-owner", "--no-acl", f"--snapshot={snapshot}",
                  "--file", str(dest), str(db["NAME"])], _pg_env(db))
            tables = pg_checksums(cur)
        conn.rollback()
    return tables, f"{version_num // 10000}.{version_num % 10000}"


def backup(out: Path, target: Target | None = None) -> Manifest:
    """Write a backup archive to ``out`` (written beside it, renamed into place when complete)."""
    target = target or Target.default()
    out = Path(out)
    if out.exists():
        raise BackupError(f"{out} already exists; choose a new file name")
    if not out.parent.is_dir():
        raise BackupError(f"directory {out.parent} does not exist")
    manifest = Manifest(engine=target.vendor, created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
    partial = out.with_name(out.name + ".partial")
    with tempfile.TemporaryDirectory(prefix="baocao-backup-", dir=out.parent) as tmp:
        if target.vendor == "sqlite":
            member, db_file = SQLITE_MEMBER, Path(tmp) / "db.sqlite3"
            manifest.tables, manifest.server_version = _snapshot_sqlite(target.database, db_file)
        else:
            member, db_file = PG_MEMBER, Path(tmp) / "db.pgdump"
            manifest.tables, manifest.server_version = _snapshot_pg(target.database, db_file)
        try:
            with tarfile.open(partial, _tar_mode(out, True)) as tar:
                manifest.files[member] = {"sha256": file_sha256(db_file), "size": db_file.stat().st_size}
                tar.add(db_file, arcname=member)
                for rel in media_checksums(target.media_root):
                    path = target.media_root / rel
                    # Hash what is archived: read once into the tar through a hashing reader.
                    info = tar.gettarinfo(path, arcname=f"media/{rel}")
                    with open(path, "rb") as fh:
                        reader = _HashingReader(fh)
                        tar.addfile(info, reader)
                    manifest.files[f"media/{rel}"] = {"sha256": reader.hexdigest(), "size": info.size}
                raw = manifest.to_json()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mtime = len(raw), int(dt.datetime.now().timestamp())
                tar.addfile(info, _BytesReader(raw))
            os.replace(partial, out)
        finally:
            partial.unlink(missing_ok=True)
    return manifest


class _HashingReader:
    def __init__(self, fh: Any) -> None:
        self.fh, self.h = fh, hashlib.sha256()

    def read(self, n: int = -1) -> bytes:
        data = self.fh.read(n)
        self.h.update(data)
        return data

    def hexdigest(self) -> str:
        return self.h.hexdigest()


class _BytesReader:
    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def read(self, n: int = -1) -> bytes:
        end = len(self.data) if n < 0 else self.pos + n
        out, self.pos = self.data[self.pos:end], min(end, len(self.data))
        return out


# --- restore ------------------------------------------------------------------------------------------------


def _safe_member(name: str) -> bool:
    p = PurePosixPath(name)
    return not p.is_absolute() and ".." not in p.parts and name == p.as_posix()


def unpack(archive: Path, dest: Path) -> Manifest:
    """Extract ``archive`` into ``dest`` and verify it completely; ``BackupError`` on any discrepancy."""
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(f"{archive} does not exist")
    try:
        tar = tarfile.open(archive, _tar_mode(archive, False))
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BackupError(f"{archive} is not a readable tar archive: {exc}") from None
    with tar:
        try:
            members = tar.getmembers()
        except (tarfile.TarError, EOFError, OSError) as exc:
            raise BackupError(f"{archive} is truncated or damaged: {exc}") from None
        names = [m.name for m in members]
        if MANIFEST not in names:
            raise BackupError(f"{archive} has no manifest.json: not a baocao backup")
        for m in members:
            if not _safe_member(m.name) or not (m.isfile() or m.isdir()):
                raise BackupError(f"unsafe archive member {m.name!r} (absolute path, '..', link or device)")
        if len(names) != len(set(names)):
            raise BackupError("the archive holds the same member twice")
        manifest = Manifest.from_json(tar.extractfile(MANIFEST).read())
        if manifest.engine not in ("sqlite", "postgresql"):
            raise BackupError(f"unknown engine {manifest.engine!r} in manifest")
        present = {m.name for m in members if m.isfile()} - {MANIFEST}
        missing, extra = set(manifest.files) - present, present - set(manifest.files)
        if missing:
            raise BackupError(f"members listed in the manifest are missing: {', '.join(sorted(missing)[:5])}")
        if extra:
            raise BackupError(f"members not listed in the manifest: {', '.join(sorted(extra)[:5])}")
        for m in members:
            if not m.isfile() or m.name == MANIFEST:
                continue
            path = dest / m.name
            path.parent.mkdir(parents=True, exist_ok=True)
            h = hashlib.sha256()
            try:
                with tar.extractfile(m) as src, open(path, "wb") as out:
                    while chunk := src.read(CHUNK):
                        h.update(chunk)
                        out.write(chunk)
            except (tarfile.TarError, EOFError, OSError) as exc:
                raise BackupError(f"cannot read {m.name} from the archive: {exc}") from None
            want = manifest.files[m.name]
            if h.hexdigest() != want.get("sha256") or path.stat().st_size != want.get("size"):
                raise BackupError(f"checksum mismatch for {m.name}: the archive is damaged or was altered")
    return manifest


def _sqlite_is_empty(conn: sqlite3.Connection) -> bool:
    for table in _sqlite_tables(conn):
        if table in BOOKKEEPING:
            continue
        if conn.execute(f"SELECT 1 FROM {_qi(table)} LIMIT 1").fetchone():
            return False
    return True


def _pg_is_empty(cur: Any) -> bool:
    cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    for (table,) in cur.fetchall():
        if table in BOOKKEEPING:
            continue
        cur.execute(f"SELECT 1 FROM public.{_qi(table)} LIMIT 1")
        if cur.fetchone():
            return False
    return True


def _media_is_empty(root: Path) -> bool:
    return not root.exists() or not any(p.is_file() for p in root.rglob("*"))


@dataclass
class RestoreResult:
    manifest: Manifest
    tables: int
    rows: int
    files: int


def restore(archive: Path, target: Target | None = None, *, force: bool = False) -> RestoreResult:
    """Restore ``archive`` into ``target`` (default: this installation's database and MEDIA_ROOT).

    Refuses a non-empty database or media directory unless ``force``. All or nothing."""
    target = target or Target.default()
    media_root = Path(target.media_root)
    staging_parent = media_root.parent
    staging_parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".baocao-restore-", dir=staging_parent) as tmp:
        stage = Path(tmp)
        manifest = unpack(Path(archive), stage)
        if manifest.engine != target.vendor:
            raise BackupError(f"the backup is of a {manifest.engine} database; this installation uses {target.vendor}")
        if target.vendor == "sqlite":
            staged = sqlite3.connect(stage / SQLITE_MEMBER)
            try:
                if staged.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                    raise BackupError("the SQLite snapshot in the archive fails PRAGMA integrity_check")
                if sqlite_checksums(staged) != manifest.tables:
                    raise BackupError("the SQLite snapshot's table checksums differ from the manifest")
            finally:
                staged.close()
        if not force:
            _refuse_non_empty(target)
        media_stage = stage / "media"
        media_stage.mkdir(exist_ok=True)
        old_media = stage / "media.old"
        had_media = media_root.exists()
        # Swap the media directory first (rename: instant), then replace the database in one transaction;
        # if the database step fails, the old media directory is put back.
        if had_media:
            os.replace(media_root, old_media)
        os.replace(media_stage, media_root)
        try:
            if target.vendor == "sqlite":
                _restore_sqlite(stage / SQLITE_MEMBER, target.database)
            else:
                _restore_pg(stage / PG_MEMBER, target.database)
        except BaseException:
            os.replace(media_root, media_stage)
            if had_media:
                os.replace(old_media, media_root)
            raise
    if target.vendor == "postgresql":
        # pg_restore's script cannot be checked inside its own transaction: check right after it.
        with pg_connect(target.database) as conn, conn.cursor() as cur:
            restored = pg_checksums(cur)
        if restored != manifest.tables:
            bad = sorted(t for t in set(restored) | set(manifest.tables) if restored.get(t) != manifest.tables.get(t))
            raise BackupError(f"restore committed but tables differ from the manifest: {', '.join(bad[:5])}")
    rows = sum(t["rows"] for t in manifest.tables.values())
    return RestoreResult(manifest=manifest, tables=len(manifest.tables), rows=rows, files=len(manifest.media_files))


def _refuse_non_empty(target: Target) -> None:
    if target.vendor == "sqlite":
        name = str(target.database["NAME"])
        if name.startswith("file:") or Path(name).exists():
            conn = sqlite3.connect(name, timeout=60, uri=name.startswith("file:"))
            try:
                empty = _sqlite_is_empty(conn)
            finally:
                conn.close()
            if not empty:
                raise BackupError(f"the database {name} is not empty; use --force to replace it")
    else:
        with pg_connect(target.database) as conn, conn.cursor() as cur:
            if not _pg_is_empty(cur):
                raise BackupError(f"the database {target.database['NAME']} is not empty; use --force to replace it")
    if not _media_is_empty(Path(target.media_root)):
        raise BackupError(f"the media directory {target.media_root} is not empty; use --force to replace it")


def _close_connections_to(db: Mapping[str, Any]) -> None:
    """Close this process's Django connections to the database being replaced (they would hold locks)."""
    from django.db import connections

    for conn in connections.all(initialized_only=True):
        if conn.settings_dict.get("NAME") == db.get("NAME") and conn.settings_dict.get("HOST") == db.get("HOST"):
            conn.close()


def _restore_sqlite(snapshot: Path, db: Mapping[str, Any]) -> None:
    _close_connections_to(db)
    src = sqlite3.connect(snapshot)
    name = str(db["NAME"])
    dst = sqlite3.connect(name, timeout=60, uri=name.startswith("file:"))
    try:
        # The backup API copies every page into the target in one write transaction: readers see the old
        # database or the new one, and a failure leaves the old one.
        src.backup(dst)
    except sqlite3.Error as exc:
        raise BackupError(f"SQLite restore failed, the database is unchanged: {exc}") from None
    finally:
        dst.close()
        src.close()


def _restore_pg(dump: Path, db: Mapping[str, Any]) -> None:
    _close_connections_to(db)
    with pg_connect(db) as conn:
        version_num = conn.info.server_version
    env = _pg_env(db)
    script = _run([pg_tool("pg_restore", version_num), "--no-owner", "--no-acl", "--file=-", str(dump)], env).stdout
    prelude = b"SET client_min_messages = warning;\nDROP SCHEMA IF EXISTS public CASCADE;\nCREATE SCHEMA public;\n"
    # One transaction, stop at the first error: the database is the backup's or stays what it was.
    _run([pg_tool("psql", version_num), "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1", "--single-transaction",
          "--dbname", str(db["NAME"]), "--file=-"], env, input=prelude + script)


def iter_table_rows(tables: Mapping[str, Mapping[str, Any]]) -> Iterator[tuple[str, int]]:
    for name in sorted(tables):
        yield name, int(tables[name]["rows"])


def summary(manifest: Manifest, extra: Iterable[str] = ()) -> str:
    rows = sum(t["rows"] for t in manifest.tables.values())
    parts = [f"{manifest.engine} {manifest.server_version}", f"{len(manifest.tables)} tables", f"{rows} rows",
             f"{len(manifest.media_files)} files", *extra]
    return ", ".join(parts)
