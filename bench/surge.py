"""Benchmark: the deadline-day surge against the production server on 127.0.0.1.

    python bench/surge.py              # 34 departments × 10 users + 100 readers, 2 minutes, PostgreSQL
    python bench/surge.py --quick      # 2 departments × 3 users + 4 readers, 15 s, no demo values
    python bench/surge.py --database sqlite

What it does, in order:

1. A throwaway database: PostgreSQL ``baocao_surge`` (dropped first if a previous run left it, and
   dropped at the end unless ``--keep-db``), or a SQLite file in a temporary directory.
2. ``baocao setup --demo`` into it (``--quick``: ``baocao setup``, reference data and forms only).
3. ``--prepare`` (this file, in a subprocess with Django): 10 users in each of the 34 departments
   (role *province reporter*, the department's organisation and province) and 100 Ministry readers
   (role *ministry officer*). For each department the open report of each form is found (the first
   current period that is not locked). Users 1..9 of a department share the entry form of the
   quarterly report, each owning a slice of its number fields (one officer per section: their POST
   carries their own fields, so two officers never write the same value). User 10 keeps the
   half-year report up to date by Excel: two workbooks are built through the reporting services
   (``excel.build``) with two sets of values in that user's fields, and the user uploads them in
   turn (dry run, then apply), so every upload changes values.
4. The server: the production start, ``baocao serve`` (gunicorn, docs/deployment.md) with
   ``BAOCAO_PRODUCTION=1 BAOCAO_HTTPS=0``, a Redis database of its own and persistent database
   connections, started by this script and stopped at the end.
5. The load, from an asyncio client in this process (one TCP connection per request, no library):
   a few users (``--http-logins``) log in through the login form (the ramp, not measured, timed
   apart: the production password hash costs about a second of CPU), the others start with a
   session stored by step 3 exactly as ``django.contrib.auth.login`` stores it (logged in earlier
   that day); then for ``--duration`` seconds:

   - entry officers: GET the entry page, think, POST their fields (CSRF token and the versions they
     read, Vietnamese number format), follow the redirect (GET), think, again;
   - Excel officers: POST the workbook (dry run, 200 with a token), think, POST apply (302), follow
     the redirect, think, again;
   - readers: the dashboards in turn: ``/phan-tich/`` when it is served, the completeness page
     ``/bao-cao/tinh-hinh-nop/`` and the public recommendations ``/kien-nghi/cong-khai/`` (with a
     search every other time), think, again.

   Think times are uniform in ``--think-entry`` / ``--think-reader`` seconds (a person typing a
   section of a form, reading a dashboard); users arrive spread over the longest think time and the
   measured window opens when all have arrived; after a failed request a user waits a think time. A request is an error when the connection fails, it
   takes more than 30 s, or its status is not the expected one (a save that does not redirect, a
   dry run without a token, ...).

The figures are for requests *started* inside the measured window. The last output line is one JSON
object: ``requests``, ``errors``, ``rps``, ``p50_ms``, ``p95_ms``, ``p99_ms``, per-page figures and
the configuration, with the machine's load average before and after (the machine may be shared).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PASSWORD = "Surge@2026-bench"
PG_DB = "baocao_surge"
TIMEOUT_S = 30.0


def log(msg: str) -> None:
    print(msg, flush=True)


def loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


# --- preparation (runs inside Django) ---------------------------------------------------------------


def prepare(departments: int, users_per_dept: int, readers: int, out_dir: str) -> dict[str, Any]:
    """Create the bench users and pick the reports; write the Excel workbooks. Returns the plan."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "baocao.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from baocao.accounts.models import Profile
    from baocao.demo.services import _organisation_for
    from baocao.geo.models import AdminArea
    from baocao.orgs.services import department_for
    from baocao.periods import services as periods
    from baocao.reporting import excel
    from baocao.reporting import services as s
    from baocao.reporting.models import ReportForm

    today = timezone.localdate()
    User = get_user_model()
    hashed = make_password(PASSWORD)  # one hash for every bench user (same password): prep stays fast

    def open_period(code: str) -> Any:
        form = ReportForm.objects.get(code=code, active=True)
        for p in s.current_periods(form, today, count=8):
            if periods.deadline_state(p, today, form.regime) != "locked":
                return p
        raise SystemExit(f"form {code}: no open (unlocked) period on {today}")

    forms = list(ReportForm.objects.filter(active=True).select_related("regime").order_by("code"))
    if len(forms) < 2:
        raise SystemExit("the bench needs two active report forms (run: baocao load_forms)")
    entry_form = next((f for f in forms if f.code == "ICT-Q"), forms[0])
    excel_form = next((f for f in forms if f.code == "ICT-S"), next(f for f in forms if f != entry_form))
    entry_period, excel_period = open_period(entry_form.code), open_period(excel_form.code)

    provinces = list(AdminArea.objects.provinces().valid_on(today).order_by("code"))[:departments]
    if len(provinces) < departments:
        raise SystemExit(f"only {len(provinces)} provinces are valid on {today}")
    ministry_office = _organisation_for("ministry_office", today)

    def reopen_if_needed(sub: Any) -> None:
        """The demo data may have submitted this report already: the Ministry reopens it."""
        if sub.pk is None or sub.editable:
            return
        admin = User.objects.filter(profile__role="ministry_admin").first()
        if admin is None:
            raise SystemExit(f"{sub} is {sub.state} and there is no ministry administrator to reopen it")
        s.reopen(sub, admin, "Đo tải (bench/surge.py): mở lại báo cáo")

    def plain_keys(sub: Any, period: Any) -> list[tuple[str, str]]:
        """(key, kind) of the fields a bench user may type: counts and plain percentages."""
        out = []
        for r in s.entry_items(sub, period):
            ind = r.indicator
            if ind.needs_fraction:
                continue
            if ind.value_type == "count":
                out.append((r.key, "count"))
            elif ind.value_type == "percent":
                out.append((r.key, "percent"))
        return out

    def text_for(kind: str, n: int) -> str:
        return f"{10 + n % 900}" if kind == "count" else f"{10 + n % 80},5"

    plan: dict[str, Any] = {"departments": [], "readers": [], "entry_form": entry_form.code,
                            "entry_period": entry_period.code, "excel_form": excel_form.code,
                            "excel_period": excel_period.code}
    writers = max(1, users_per_dept - 1)
    with transaction.atomic():
        for i, area in enumerate(provinces):
            org = department_for(area, today)
            users = []
            for u in range(1, users_per_dept + 1):
                name = f"surge.{area.uid.lower()}.{u:02d}"
                user, _ = User.objects.update_or_create(username=name, defaults={"password": hashed, "is_active": True})
                Profile.objects.update_or_create(
                    user=user, defaults={"role": "province_reporter", "organisation": org, "area": area,
                                         "title": "Chuyên viên Sở (bench)"},
                )
                users.append((name, user))
            sub, per = s.open_submission(users[0][1], entry_form.code, entry_period.code, area.uid, "enter")
            reopen_if_needed(sub)
            keys = plain_keys(sub, per)
            slices = [keys[k::writers] for k in range(writers)]
            dept = {"area": area.uid, "entry": [], "excel": None}
            for k in range(writers):
                dept["entry"].append({"username": users[k][0], "fields": slices[k]})
            if users_per_dept >= 2:
                name, user = users[-1]
                xsub, xper = s.open_submission(user, excel_form.code, excel_period.code, area.uid, "upload")
                reopen_if_needed(xsub)
                xkeys = plain_keys(xsub, xper)[:12]
                files = []
                for variant in (1, 2):
                    data = {key: {"value": text_for(kind, 100 * variant + j), "numerator": "", "denominator": "",
                                  "comment": "", "version": ""} for j, (key, kind) in enumerate(xkeys)}
                    xsub, xper = s.open_submission(user, excel_form.code, excel_period.code, area.uid, "upload")
                    fresh = {r.key: r for r in s.entry_items(xsub, xper)}
                    for key in data:
                        if fresh[key].value is not None:
                            data[key]["version"] = str(fresh[key].value.version)
                    saved = s.save_values(xsub, xper, user, data, source="excel")
                    if not saved.ok:
                        raise SystemExit(f"preparing the Excel variants failed: {saved.errors}")
                    xsub, xper = s.open_submission(user, excel_form.code, excel_period.code, area.uid, "upload")
                    path = Path(out_dir) / f"{area.uid}_{variant}.xlsx"
                    path.write_bytes(excel.build(xsub, xper))
                    files.append(str(path))
                # Stored now: variant 2. The user uploads variant 1 first, then 2, 1, ...
                dept["excel"] = {"username": name, "files": files}
            plan["departments"].append(dept)
            if i == 0:
                plan["entry_fields"] = len(keys)
        for r in range(1, readers + 1):
            name = f"surge.doc{r:03d}"
            user, _ = User.objects.update_or_create(username=name, defaults={"password": hashed, "is_active": True})
            Profile.objects.update_or_create(
                user=user, defaults={"role": "ministry_officer", "organisation": ministry_office, "area": None,
                                     "title": "Chuyên viên Bộ (bench)"},
            )
            plan["readers"].append(name)
    # Sessions as ``django.contrib.auth.login`` stores them (same engine, same keys), so the surge
    # starts with everyone logged in; a few users still log in through the form (see ``run_load``).
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    engine = import_module(settings.SESSION_ENGINE)
    backends = list(settings.AUTHENTICATION_BACKENDS)
    backend = "django.contrib.auth.backends.ModelBackend" if "django.contrib.auth.backends.ModelBackend" in backends \
        else backends[-1]
    names = [w["username"] for d in plan["departments"] for w in d["entry"]]
    names += [d["excel"]["username"] for d in plan["departments"] if d["excel"]] + plan["readers"]
    plan["sessions"] = {}
    for user in User.objects.filter(username__in=names):
        store = engine.SessionStore()
        store[SESSION_KEY] = user._meta.pk.value_to_string(user)
        store[BACKEND_SESSION_KEY] = backend
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.save()
        plan["sessions"][user.username] = store.session_key
    plan["session_cookie"] = settings.SESSION_COOKIE_NAME
    plan["entry_path"] = f"/bao-cao/{entry_form.code}/{entry_period.code}/{{area}}/"
    plan["excel_path"] = f"/bao-cao/{excel_form.code}/{excel_period.code}/{{area}}/"
    return plan


# --- a minimal HTTP/1.1 client over asyncio (one connection per request) ----------------------------


@dataclass
class Response:
    status: int
    headers: dict[str, list[str]]
    body: bytes

    def header(self, name: str) -> str:
        values = self.headers.get(name.lower())
        return values[-1] if values else ""

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def _dechunk(data: bytes) -> bytes:
    out, pos = bytearray(), 0
    while True:
        end = data.index(b"\r\n", pos)
        size = int(data[pos:end].split(b";")[0], 16)
        if size == 0:
            return bytes(out)
        out += data[end + 2:end + 2 + size]
        pos = end + 2 + size + 2


class Session:
    """One browser: its cookies; requests with ``Connection: close``."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.cookies: dict[str, str] = {}

    async def request(self, method: str, path: str, body: bytes = b"", ctype: str = "",
                      referer: str = "") -> Response:
        head = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}", "Connection: close",
                "User-Agent: baocao-surge", "Accept: text/html", "Accept-Language: vi"]
        if self.cookies:
            head.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        if referer:
            head.append(f"Referer: http://{self.host}:{self.port}{referer}")
        if method == "POST":
            head += [f"Content-Type: {ctype}", f"Content-Length: {len(body)}"]
        reader, writer = await asyncio.open_connection(self.host, self.port)
        try:
            writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
            await writer.drain()
            raw = await reader.read(-1)
        finally:
            writer.close()
        head_end = raw.index(b"\r\n\r\n")
        lines = raw[:head_end].decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers: dict[str, list[str]] = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers.setdefault(k.strip().lower(), []).append(v.strip())
        data = raw[head_end + 4:]
        if "chunked" in ",".join(headers.get("transfer-encoding", [])).lower():
            data = _dechunk(data)
        for cookie in headers.get("set-cookie", []):
            name, _, rest = cookie.partition("=")
            value = rest.split(";", 1)[0]
            if value in ("", '""'):
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value
        return Response(status, headers, data)


def form_body(fields: dict[str, str]) -> bytes:
    return urllib.parse.urlencode(fields).encode()


def multipart(fields: dict[str, str], file_field: str, filename: str, data: bytes) -> tuple[bytes, str]:
    boundary = f"surge{random.getrandbits(64):016x}"
    parts = []
    for k, v in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode())
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; filename="{filename}"\r\n'
        "Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n".encode()
        + data + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
TOKEN_RE = re.compile(r'name="token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    m = CSRF_RE.search(html)
    if not m:
        raise ValueError("no CSRF token on the page")
    return m.group(1)


def version_of(html: str, key: str) -> str:
    m = re.search(r'name="version__' + re.escape(key) + r'" value="(\d*)"', html)
    if m is None:
        raise ValueError(f"field {key} is not on the entry page")
    return m.group(1)


# --- the load ---------------------------------------------------------------------------------------


class RequestFailed(Exception):
    pass


@dataclass
class Recorder:
    start: float = 0.0
    end: float = float("inf")
    samples: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    error_examples: list[str] = field(default_factory=list)
    stopping: bool = False

    def measuring(self, t0: float) -> bool:
        return self.start <= t0 < self.end

    def fail(self, name: str, problem: str) -> None:
        """A response with the expected status that still shows the action did not happen."""
        if self.measuring(time.monotonic()):
            self.errors[name] = self.errors.get(name, 0) + 1
        if len(self.error_examples) < 20:
            self.error_examples.append(problem)

    async def call(self, name: str, session: Session, method: str, path: str, expect: tuple[int, ...],
                   **kw: Any) -> Response:
        t0 = time.monotonic()
        problem = ""
        resp = None
        try:
            resp = await asyncio.wait_for(session.request(method, path, **kw), TIMEOUT_S)
            if resp.status not in expect:
                problem = f"{name}: HTTP {resp.status} (expected {expect}) {path}"
        except (TimeoutError, OSError, ValueError, IndexError) as exc:
            problem = f"{name}: {type(exc).__name__}: {exc} {path}"
        elapsed = time.monotonic() - t0
        if self.measuring(t0):
            self.samples.setdefault(name, []).append(elapsed)
            if problem:
                self.errors[name] = self.errors.get(name, 0) + 1
        if problem:
            if len(self.error_examples) < 20:
                self.error_examples.append(problem)
            raise RequestFailed(problem)
        assert resp is not None
        return resp


async def login(rec: Recorder, session: Session, username: str) -> None:
    page = await rec.call("login GET", session, "GET", "/dang-nhap/", (200,))
    body = form_body({"csrfmiddlewaretoken": csrf_of(page.text), "username": username, "password": PASSWORD,
                      "next": "/bao-cao/"})
    resp = await rec.call("login POST", session, "POST", "/dang-nhap/", (302,), body=body,
                          ctype="application/x-www-form-urlencoded", referer="/dang-nhap/")
    if "sessionid" not in session.cookies:
        raise RequestFailed(f"login of {username} gave no session ({resp.status})")


async def think(rec: Recorder, span: tuple[float, float], rng: random.Random) -> None:
    await asyncio.sleep(rng.uniform(*span))


async def entry_user(rec: Recorder, session: Session, path: str, fields: list[list[str]],
                     span: tuple[float, float], rng: random.Random) -> None:
    n = rng.randrange(1000)
    page: Response | None = None
    await asyncio.sleep(rng.uniform(0, span[1]))  # people arrive spread over a think time, not at once
    while not rec.stopping:
        try:
            if page is None:
                page = await rec.call("entry GET", session, "GET", path, (200,))
            await think(rec, span, rng)
            if rec.stopping:
                return
            html = page.text
            data = {"csrfmiddlewaretoken": csrf_of(html)}
            n += 1
            for j, (key, kind) in enumerate(fields):
                data[f"value__{key}"] = f"{10 + (n + j) % 900}" if kind == "count" else f"{10 + (n + j) % 80},5"
                data[f"version__{key}"] = version_of(html, key)
                data[f"comment__{key}"] = ""
            page = None
            resp = await rec.call("entry POST (save)", session, "POST", path, (302,), body=form_body(data),
                                  ctype="application/x-www-form-urlencoded", referer=path)
            page = await rec.call("entry GET", session, "GET", resp.header("location") or path, (200,))
            if "Đã lưu" not in page.text:
                rec.fail("entry POST (save)", f"save without confirmation on {path}")
        except (RequestFailed, ValueError) as exc:
            if isinstance(exc, ValueError):
                rec.fail("entry GET", f"entry page {path}: {exc}")
            page = None
            await think(rec, span, rng)  # a person tries again after a while, not at once


async def excel_user(rec: Recorder, session: Session, path: str, files: list[bytes],
                     span: tuple[float, float], rng: random.Random) -> None:
    page: Response | None = None
    turn = 0
    await asyncio.sleep(rng.uniform(0, span[1]))
    while not rec.stopping:
        try:
            if page is None:
                page = await rec.call("entry GET", session, "GET", path, (200,))
            await think(rec, span, rng)
            if rec.stopping:
                return
            body, ctype = multipart({"csrfmiddlewaretoken": csrf_of(page.text)}, "file", "bao_cao.xlsx",
                                    files[turn % len(files)])
            turn += 1
            page = None
            dry = await rec.call("excel upload (dry run)", session, "POST", path + "tai-len/", (200,), body=body,
                                 ctype=ctype, referer=path)
            m = TOKEN_RE.search(dry.text)
            if m is None:
                rec.fail("excel upload (dry run)", "dry run gave no token (no changes, or problems)")
                continue
            await asyncio.sleep(rng.uniform(2, 5))  # reading the list of changes
            apply = form_body({"csrfmiddlewaretoken": csrf_of(dry.text), "apply": "1", "token": m.group(1)})
            resp = await rec.call("excel upload (apply)", session, "POST", path + "tai-len/", (302,), body=apply,
                                  ctype="application/x-www-form-urlencoded", referer=path + "tai-len/")
            page = await rec.call("entry GET", session, "GET", resp.header("location") or path, (200,))
        except (RequestFailed, ValueError) as exc:
            if isinstance(exc, ValueError):
                rec.fail("excel", f"{path}: {exc}")
            page = None
            await think(rec, span, rng)  # a person tries again after a while, not at once


async def reader(rec: Recorder, session: Session, pages: list[tuple[str, str]], span: tuple[float, float],
                 rng: random.Random) -> None:
    i = rng.randrange(len(pages))
    await asyncio.sleep(rng.uniform(0, span[1]))
    searches = ["chuyen doi so", "viễn thông", "bưu chính", "an toàn thông tin", "hạ tầng"]
    while not rec.stopping:
        name, url = pages[i % len(pages)]
        if "cong-khai" in url and i % 2:
            url += "?" + urllib.parse.urlencode({"q": searches[i % len(searches)]})
        i += 1
        try:
            await rec.call(name, session, "GET", url, (200,))
        except RequestFailed:
            pass
        await think(rec, span, rng)


async def run_load(port: int, plan: dict[str, Any], duration: float, think_entry: tuple[float, float],
                   think_reader: tuple[float, float], login_concurrency: int, http_logins: int,
                   stats: Any = None) -> dict[str, Any]:
    host = "127.0.0.1"
    rec = Recorder(start=float("inf"))
    actors: list[tuple[str, Any]] = []
    for dept in plan["departments"]:
        path = plan["entry_path"].format(area=dept["area"])
        for w in dept["entry"]:
            actors.append((w["username"], lambda ses, r, path=path, w=w: entry_user(rec, ses, path, w["fields"], think_entry, r)))
        if dept["excel"]:
            xpath = plan["excel_path"].format(area=dept["area"])
            files = [Path(f).read_bytes() for f in dept["excel"]["files"]]
            actors.append((dept["excel"]["username"],
                           lambda ses, r, xpath=xpath, files=files: excel_user(rec, ses, xpath, files, think_entry, r)))
    n_writers = len(actors)

    # the dashboards: /phan-tich/ when it is served, the completeness page, the public answers
    probe = Session(host, port)
    probe.cookies[plan["session_cookie"]] = plan["sessions"][plan["readers"][0]]
    pages = []
    try:
        if (await probe.request("GET", "/phan-tich/")).status == 200:
            pages.append(("dashboard /phan-tich/", "/phan-tich/"))
    except OSError:
        pass
    pages += [("completeness", "/bao-cao/tinh-hinh-nop/"), ("public recommendations", "/kien-nghi/cong-khai/")]
    for name in plan["readers"]:
        actors.append((name, lambda ses, r: reader(rec, ses, pages, think_reader, r)))

    # the ramp (not measured): ``http_logins`` users log in through the login form (timed; the
    # production password hash makes this the most expensive request there is), the others use the
    # sessions the preparation stored, as if they had logged in earlier that morning.
    sessions: dict[str, Session] = {}
    for name, _ in actors[http_logins:]:
        ses = Session(host, port)
        ses.cookies[plan["session_cookie"]] = plan["sessions"][name]
        sessions[name] = ses
    sem = asyncio.Semaphore(login_concurrency)
    login_times: list[float] = []

    async def log_in(name: str) -> None:
        async with sem:
            ses = Session(host, port)
            t = time.monotonic()
            await login(rec, ses, name)
            login_times.append(time.monotonic() - t)
            sessions[name] = ses

    t0 = time.monotonic()
    results = await asyncio.gather(*(log_in(name) for name, _ in actors[:http_logins]), return_exceptions=True)
    failed = [r for r in results if isinstance(r, BaseException)]
    ramp_s = time.monotonic() - t0
    log(f"ramp: {len(login_times)} users logged in through the form in {ramp_s:.1f} s ({len(failed)} failed), "
        f"{len(actors) - http_logins} by stored session")
    if failed:
        raise SystemExit(f"login failed: {failed[0]!r}")

    cpu0 = time.process_time()
    tasks = []
    for k, (name, make) in enumerate(actors):
        tasks.append(asyncio.create_task(make(sessions[name], random.Random(k))))
    # every user has started (arrivals are spread over the longest think time) before the window opens
    rec.start = time.monotonic() + max(think_entry[1], think_reader[1])
    rec.end = rec.start + duration
    await asyncio.sleep(rec.start - time.monotonic())
    before = await asyncio.to_thread(stats) if stats else None
    await asyncio.sleep(rec.end - time.monotonic())
    after = await asyncio.to_thread(stats) if stats else None
    rec.stopping = True
    done, pending = await asyncio.wait(tasks, timeout=TIMEOUT_S + 5)
    for t in pending:
        t.cancel()
    for t in done:
        if t.exception() is not None and not isinstance(t.exception(), RequestFailed):
            rec.error_examples.append(f"user task crashed: {t.exception()!r}")
            rec.errors["task"] = rec.errors.get("task", 0) + 1
    client_cpu = time.process_time() - cpu0
    db = None
    if before and after:
        db = {"during_window": {k: after[k] - before[k] for k in PG_STATS_KEYS[:9]},
              "after": {k: after[k] for k in PG_STATS_KEYS[9:]}}
    return {"rec": rec, "db": db, "ramp_s": ramp_s, "login_ms": [ms(x) for x in sorted(login_times)], "writers": n_writers, "readers": len(plan["readers"]),
            "pages": [p[1] for p in pages], "client_cpu_s": round(client_cpu, 1)}


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    k = min(len(values) - 1, max(0, round(q / 100 * len(values) + 0.5) - 1))
    return values[k]


def ms(x: float) -> float:
    return round(x * 1000, 1)


# --- server and database ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def psql(pg: str, sql: str) -> None:
    u = urllib.parse.urlparse(pg)
    env = dict(os.environ, PGPASSWORD=u.password or "")
    subprocess.run(["psql", "-h", u.hostname or "127.0.0.1", "-p", str(u.port or 5432), "-U", u.username or "postgres",
                    "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-qc", sql], check=True, env=env)


PG_STATS_SQL = """
select xact_commit, xact_rollback, tup_inserted, tup_updated, tup_deleted, blks_read, blks_hit, temp_bytes,
       deadlocks, pg_database_size(current_database()),
       (select count(*) from datavalues_datavalue), pg_total_relation_size('datavalues_datavalue'),
       pg_indexes_size('datavalues_datavalue'),
       (select count(*) from datavalues_datavaluehistory), pg_total_relation_size('datavalues_datavaluehistory')
from pg_stat_database where datname = current_database()
"""
PG_STATS_KEYS = ("xact_commit", "xact_rollback", "tup_inserted", "tup_updated", "tup_deleted", "blks_read", "blks_hit",
                 "temp_bytes", "deadlocks", "db_bytes", "values_rows", "values_bytes", "values_index_bytes",
                 "history_rows", "history_bytes")


def pg_stats(url: str) -> dict[str, int]:
    """The database's activity counters and the value tables' sizes (``pg_stat_database`` is per
    database, so other work on a shared server does not count; its counters lag up to ~0.5 s)."""
    u = urllib.parse.urlparse(url)
    env = dict(os.environ, PGPASSWORD=u.password or "")
    out = subprocess.run(["psql", "-h", u.hostname or "127.0.0.1", "-p", str(u.port or 5432), "-U", u.username or "postgres",
                          "-d", u.path.strip("/"), "-AtF", " ", "-c", "select pg_stat_clear_snapshot()", "-c", PG_STATS_SQL],
                         check=True, env=env, capture_output=True, text=True).stdout.split()
    return dict(zip(PG_STATS_KEYS, (int(x) for x in out[-len(PG_STATS_KEYS):]), strict=True))


def start_server(env: dict[str, str], port: int, workers: int, threads: int, logfile: Any) -> subprocess.Popen:
    """The production start (docs/deployment.md): ``baocao serve`` (checks, collectstatic, gunicorn
    with ``baocao/core/gunicorn_conf.py``), over plain http on 127.0.0.1 (``BAOCAO_HTTPS=0``)."""
    env = dict(env, BAOCAO_PRODUCTION="1", BAOCAO_HTTPS="0", BAOCAO_THREADS=str(threads))
    cmd = [str(BIN / "baocao"), "serve", "--bind", f"127.0.0.1:{port}", "--workers", str(workers)]
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=logfile, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"baocao serve exited with {proc.returncode} (log: {logfile.name})")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as c:
                c.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                if c.recv(64).split(b" ")[1:2] == [b"200"]:
                    return proc
        except (OSError, IndexError):
            pass
        time.sleep(0.3)
    proc.kill()
    raise SystemExit("the server did not answer /healthz within 120 s")


def stop_server(proc: subprocess.Popen) -> None:
    """SIGTERM to the server's own process group (gunicorn master and its workers), SIGKILL after 40 s."""
    import signal

    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=40)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    except ProcessLookupError:
        pass


def redis_flush(url: str) -> None:
    u = urllib.parse.urlparse(url)
    db = (u.path or "/0").strip("/") or "0"
    subprocess.run(["redis-cli", "-h", u.hostname or "127.0.0.1", "-p", str(u.port or 6379), "-n", db, "FLUSHDB"],
                   check=True, stdout=subprocess.DEVNULL)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="2 departments × 3 users, 4 readers, 15 s, no demo values")
    ap.add_argument("--database", choices=["postgres", "sqlite"], default="postgres")
    ap.add_argument("--pg-url", default=os.environ.get("BAOCAO_SURGE_PG", "postgres://postgres@127.0.0.1:5432"),
                    help="PostgreSQL server (without database name); the bench creates and drops " + PG_DB)
    ap.add_argument("--redis-url", default=os.environ.get("BAOCAO_SURGE_REDIS", "redis://127.0.0.1:6379/7"),
                    help="the cache, a Redis database of its own (emptied before and after); '' for none")
    ap.add_argument("--db-name", default=PG_DB, help="the throwaway PostgreSQL database (default: %(default)s)")
    ap.add_argument("--departments", type=int)
    ap.add_argument("--users-per-dept", type=int)
    ap.add_argument("--readers", type=int)
    ap.add_argument("--duration", type=float)
    ap.add_argument("--think-entry", type=float, nargs=2, metavar=("MIN", "MAX"))
    ap.add_argument("--think-reader", type=float, nargs=2, metavar=("MIN", "MAX"))
    ap.add_argument("--workers", type=int, default=int(os.environ.get("BAOCAO_SURGE_WORKERS", "5")),
                    help="gunicorn workers (default 5 = 2×CPU+1 on this machine, as docs/deployment.md)")
    ap.add_argument("--threads", type=int, default=int(os.environ.get("BAOCAO_SURGE_THREADS", "4")))
    ap.add_argument("--http-logins", type=int,
                    help="users who log in through the login form before the run (the others by stored session)")
    ap.add_argument("--no-demo", action="store_true", help="skip the demo values (always skipped with --quick)")
    ap.add_argument("--keep-db", action="store_true")
    ap.add_argument("--prepare", nargs=4, metavar=("DEPTS", "USERS", "READERS", "DIR"), help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.prepare:
        d, u, r, out = args.prepare
        plan = prepare(int(d), int(u), int(r), out)
        Path(out, "plan.json").write_text(json.dumps(plan))
        return

    quick = args.quick
    departments = args.departments or (2 if quick else 34)
    users_per_dept = args.users_per_dept or (3 if quick else 10)
    readers = args.readers or (4 if quick else 100)
    duration = args.duration or (15.0 if quick else 120.0)
    think_entry = tuple(args.think_entry or ((2.0, 4.0) if quick else (20.0, 40.0)))
    think_reader = tuple(args.think_reader or ((1.0, 3.0) if quick else (5.0, 15.0)))
    demo = not (quick or args.no_demo)
    http_logins = args.http_logins if args.http_logins is not None else (2 if quick else 6)

    tmp = tempfile.mkdtemp(prefix="surge_")
    env = dict(os.environ, BAOCAO_DATA_DIR=str(Path(tmp) / "data"), BAOCAO_DEBUG="0",
               BAOCAO_SECRET_KEY="surge-bench-" + os.urandom(32).hex(), BAOCAO_ALLOWED_HOSTS="127.0.0.1,localhost",
               DJANGO_SETTINGS_MODULE="baocao.settings", PYTHONPATH=str(ROOT))
    env.setdefault("BAOCAO_DB_CONN_MAX_AGE", "60")  # docs/deployment.md: 60 without a pooler
    if args.redis_url:
        env["REDIS_URL"] = args.redis_url
        redis_flush(args.redis_url)  # this bench's own Redis database: no cache left from another run
    if args.database == "postgres":
        pg = args.pg_url.rstrip("/")
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", args.db_name):
            raise SystemExit(f"--db-name {args.db_name!r}: use lower-case letters, digits and _")
        psql(pg, f"DROP DATABASE IF EXISTS {args.db_name} WITH (FORCE)")
        psql(pg, f"CREATE DATABASE {args.db_name}")
        env["DATABASE_URL"] = f"{pg}/{args.db_name}"
    else:
        env.pop("DATABASE_URL", None)
    server = None
    load_before = loadavg()
    try:
        t0 = time.perf_counter()
        cmd = [str(BIN / "baocao"), "setup"] + (["--demo"] if demo else [])
        log(f"setup: {' '.join(cmd[1:])} into {args.database}")
        done = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True)
        if done.returncode:
            raise SystemExit(f"setup failed ({done.returncode}):\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
        setup_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        subprocess.run([sys.executable, __file__, "--prepare", str(departments), str(users_per_dept), str(readers), tmp],
                       env=env, cwd=ROOT, check=True)
        plan = json.loads(Path(tmp, "plan.json").read_text())
        log(f"setup {setup_s:.1f} s; prepare {time.perf_counter() - t0:.1f} s: {departments} departments × "
            f"{users_per_dept} users, {readers} readers; entry {plan['entry_form']} {plan['entry_period']} "
            f"({plan.get('entry_fields')} fields), Excel {plan['excel_form']} {plan['excel_period']}")
        port = free_port()
        server_log = open(Path(tmp) / "server.log", "w")  # noqa: SIM115 - closed with the temporary directory
        server = start_server(env, port, args.workers, args.threads, server_log)
        log(f"server: baocao serve (gunicorn) on 127.0.0.1:{port}, {args.workers} workers × {args.threads} threads; "
            f"load average {os.getloadavg()[0]:.2f}; measuring {duration:.0f} s")
        load_start = loadavg()
        out = asyncio.run(run_load(port, plan, duration, think_entry, think_reader,
                                   login_concurrency=args.workers, http_logins=http_logins,
                                   stats=(lambda: pg_stats(env["DATABASE_URL"])) if args.database == "postgres" else None))
        load_end = loadavg()
    finally:
        # clean up without losing the figures: a failed step is reported and the others still run
        steps: list[Any] = []
        if server is not None:
            steps.append(lambda: stop_server(server))
        if args.database == "postgres" and not args.keep_db:
            steps.append(lambda: psql(pg, f"DROP DATABASE IF EXISTS {args.db_name} WITH (FORCE)"))
        if args.redis_url:
            steps.append(lambda: redis_flush(args.redis_url))
        for step in steps:
            try:
                step()
            except Exception as exc:  # noqa: BLE001
                log(f"cleanup: {type(exc).__name__}: {exc}")
        shutil.rmtree(tmp, ignore_errors=True)

    rec: Recorder = out["rec"]
    every = [x for v in rec.samples.values() for x in v]
    errors = sum(rec.errors.values())
    per_page = {}
    for name in sorted(rec.samples):
        v = rec.samples[name]
        per_page[name] = {"requests": len(v), "errors": rec.errors.get(name, 0), "p50_ms": ms(percentile(v, 50)),
                          "p95_ms": ms(percentile(v, 95)), "p99_ms": ms(percentile(v, 99)), "max_ms": ms(max(v))}
        log(f"  {name:28} {len(v):6} req {rec.errors.get(name, 0):4} err   p50 {per_page[name]['p50_ms']:7.1f}  "
            f"p95 {per_page[name]['p95_ms']:7.1f}  p99 {per_page[name]['p99_ms']:7.1f}  max {per_page[name]['max_ms']:7.1f} ms")
    for example in rec.error_examples[:10]:
        log(f"  error: {example}")
    result = {
        "bench": "surge", "quick": quick, "database": args.database,
        "requests": len(every), "errors": errors, "rps": round(len(every) / duration, 1),
        "p50_ms": ms(percentile(every, 50)), "p95_ms": ms(percentile(every, 95)), "p99_ms": ms(percentile(every, 99)),
        "pages": per_page, "db": out["db"],
        "config": {"departments": departments, "users_per_dept": users_per_dept, "entry_users": out["writers"],
                   "readers": out["readers"], "duration_s": duration, "think_entry_s": list(think_entry),
                   "think_reader_s": list(think_reader), "workers": args.workers, "threads": args.threads,
                   "demo_values": demo, "dashboards": out["pages"], "login_ramp_s": round(out["ramp_s"], 1),
                   "http_logins_ms": out["login_ms"],
                   "client_cpu_s": out["client_cpu_s"], "cpus": os.cpu_count(),
                   "loadavg_before": load_before, "loadavg_at_start": load_start, "loadavg_at_end": load_end},
    }
    print(json.dumps(result, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
