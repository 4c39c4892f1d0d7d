"""Every action on recommendations, directives and briefing sessions, in one place each.

Each action checks permission, validates, writes (in one transaction), records history and queues the
notification. Views, commands and a later API call these functions and never test roles themselves.
Errors are ``ServiceError`` (bad input: ``field`` names the field, the message is Vietnamese) or
``NotAllowed`` (the user may not do this); in both cases nothing is written.

Who may do what (``Role`` from ``baocao.accounts``):

- ``ministry_officer`` (Văn phòng Bộ) and ``ministry_admin``: everything — receive, assign, reassign,
  decline, publish, answer, create sessions and directives, cancel directives.
- ``ministry_unit``: sees every item; answers a recommendation its unit leads; reports progress on a
  directive assigned to its unit.
- ``province_reporter`` / ``province_approver`` (a department): send recommendations in the name of
  their department; see their own province's items (and every published one); report progress on
  directives assigned to their department. They never answer.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from baocao.accounts.models import MINISTRY_ROLES, PROVINCE_ROLES, Profile, Role
from baocao.catalog.models import Domain
from baocao.orgs.models import Organisation, OrgKind
from baocao.periods import workdays

from .models import (
    OPEN_DIR_STATES,
    Assignment,
    Attachment,
    BriefingSession,
    DeclineReason,
    Directive,
    DirState,
    DueDateRule,
    DueRuleKind,
    Evidence,
    ProgressUpdate,
    Recommendation,
    RecommendationEvent,
    RecState,
    SenderType,
)

MAX_TITLE = 250
MAX_TEXT = 20_000
MAX_ANSWER = 50_000
MAX_FILE_BYTES = 10 * 1024 * 1024
ALLOWED_EXTENSIONS = {".pdf", ".doc", ".docx", ".xls", ".xlsx", ".odt", ".ods", ".jpg", ".jpeg", ".png", ".zip", ".txt"}
DEFAULT_WORKING_DAYS = {DueRuleKind.RECOMMENDATION: 15, DueRuleKind.DIRECTIVE: 30}
# Units that can lead an answer or receive a directive.
UNIT_KINDS = (OrgKind.MINISTRY_UNIT,)
ASSIGNEE_KINDS = (OrgKind.MINISTRY_UNIT, OrgKind.DEPARTMENT, OrgKind.ENTERPRISE, OrgKind.PEOPLES_COMMITTEE, OrgKind.PRESS)


class ServiceError(Exception):
    """Bad input: ``field`` is the form field at fault, ``message`` is shown to the user."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotAllowed(ServiceError):
    """The user's role or organisation does not allow this action on this item."""


# ---------------------------------------------------------------------------------------------------
# Who the user is


class SystemActor:
    """The actor of management commands (demo data, imports): an administrator with no user row."""

    is_authenticated = False
    is_superuser = True
    pk = None

    def __str__(self) -> str:
        return "hệ thống"


SYSTEM = SystemActor()


def _actor(user: Any) -> Any:
    """The user to store in ``created_by``/``actor`` columns (None for the system or anonymous)."""
    return user if getattr(user, "is_authenticated", False) else None


def profile_of(user: Any) -> Profile | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.profile
    except Profile.DoesNotExist:
        return None


def role_of(user: Any) -> str | None:
    if user is not None and getattr(user, "is_superuser", False):
        return Role.MINISTRY_ADMIN
    p = profile_of(user)
    return p.role if p else None


def is_office(user: Any) -> bool:
    """The Ministry's office (assigns, publishes) or an administrator."""
    return role_of(user) in (Role.MINISTRY_OFFICER, Role.MINISTRY_ADMIN)


def is_ministry(user: Any) -> bool:
    return role_of(user) in MINISTRY_ROLES


def is_province(user: Any) -> bool:
    return role_of(user) in PROVINCE_ROLES


def _org_id(user: Any) -> int | None:
    p = profile_of(user)
    return p.organisation_id if p else None


def _area_id(user: Any) -> int | None:
    p = profile_of(user)
    return p.area_id if p else None


# ---------------------------------------------------------------------------------------------------
# Scope


def visible_recommendations(user: Any) -> QuerySet[Recommendation]:
    """Recommendations the user may open: the Ministry sees all; a department its province's and published ones."""
    qs = Recommendation.objects.all()
    if is_ministry(user):
        return qs
    if is_province(user):
        own = Q(state=RecState.PUBLISHED)
        if _org_id(user):
            own |= Q(sender_org_id=_org_id(user))
        if _area_id(user):
            own |= Q(area_id=_area_id(user))
        return qs.filter(own)
    return qs.filter(state=RecState.PUBLISHED)


def can_view_recommendation(user: Any, rec: Recommendation) -> bool:
    if rec.state == RecState.PUBLISHED or is_ministry(user):
        return True
    if is_province(user):
        return bool(
            (_org_id(user) and rec.sender_org_id == _org_id(user)) or (_area_id(user) and rec.area_id == _area_id(user))
        )
    return False


def check_view_recommendation(user: Any, rec: Recommendation) -> None:
    if not can_view_recommendation(user, rec):
        raise NotAllowed("Bạn không có quyền xem kiến nghị này: kiến nghị của đơn vị khác và chưa được công khai.")


def can_answer(user: Any, rec: Recommendation) -> bool:
    if is_office(user):
        return True
    return role_of(user) == Role.MINISTRY_UNIT and rec.lead_unit_id is not None and rec.lead_unit_id == _org_id(user)


def visible_directives(user: Any) -> QuerySet[Directive]:
    qs = Directive.objects.all()
    if is_ministry(user):
        return qs
    if is_province(user) and _org_id(user):
        return qs.filter(assignees__id=_org_id(user)).distinct()
    return qs.none()


def can_view_directive(user: Any, d: Directive) -> bool:
    if is_ministry(user):
        return True
    return bool(_org_id(user) and d.assignees.filter(pk=_org_id(user)).exists())


def can_report_progress(user: Any, d: Directive) -> bool:
    if is_office(user):
        return True
    return bool(_org_id(user) and d.assignees.filter(pk=_org_id(user)).exists())


# ---------------------------------------------------------------------------------------------------
# Working days and due dates


def add_working_days(day: dt.date, n: int) -> dt.date:
    """The holiday-aware calendar of ``baocao.periods.workdays`` (Tết, public holidays, swapped days)."""
    return workdays.add_working_days(day, n)


def working_days_between(a: dt.date, b: dt.date) -> int:
    return workdays.working_days_between(a, b)


def working_days_for(kind: str, domain: Domain | None) -> int:
    """The rule table: a per-domain row wins over the default row; the built-in default is last."""
    rules = DueDateRule.objects.filter(kind=kind)
    if domain is not None:
        rule = rules.filter(domain=domain).first()
        if rule:
            return rule.working_days
    rule = rules.filter(domain__isnull=True).first()
    return rule.working_days if rule else DEFAULT_WORKING_DAYS[kind]


def due_date_for(start: dt.date, domain: Domain | None, kind: str = DueRuleKind.RECOMMENDATION) -> dt.date:
    return add_working_days(start, working_days_for(kind, domain))


# ---------------------------------------------------------------------------------------------------
# Validation helpers


def _clean_text(value: str | None, field: str, label: str, max_len: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ServiceError(f"{label} không được để trống.", field)
    if len(value) > max_len:
        raise ServiceError(f"{label} quá dài: {len(value)} ký tự, tối đa {max_len} ký tự.", field)
    return value


def _check_file(f: UploadedFile, field: str) -> None:
    ext = os.path.splitext(f.name or "")[1].lower()
    if ext not in ALLOWED_EXTENSIONS:
        allowed = ", ".join(sorted(e.lstrip(".") for e in ALLOWED_EXTENSIONS))
        raise ServiceError(f"Tệp “{f.name}” không đúng định dạng cho phép ({allowed}).", field)
    if f.size is not None and f.size > MAX_FILE_BYTES:
        raise ServiceError(f"Tệp “{f.name}” vượt quá dung lượng tối đa 10 MB.", field)
    if not f.size:
        raise ServiceError(f"Tệp “{f.name}” rỗng.", field)


def _units(ids: Iterable[Any], field: str, kinds: Sequence[str], label: str) -> list[Organisation]:
    ids = [i for i in ids if i not in (None, "")]
    out: list[Organisation] = []
    for raw in ids:
        org = raw if isinstance(raw, Organisation) else None
        if org is None:
            try:
                org = Organisation.objects.filter(pk=int(raw)).first()
            except (TypeError, ValueError):
                org = Organisation.objects.filter(uid=str(raw)).first()
        if org is None or org.kind not in kinds:
            raise ServiceError(f"{label} “{raw}” không tồn tại hoặc không phải là đơn vị hợp lệ.", field)
        out.append(org)
    return out


def _log(rec: Recommendation, action: str, actor: Any, from_state: str, note: str = "") -> None:
    RecommendationEvent.objects.create(
        recommendation=rec,
        action=action,
        from_state=from_state,
        to_state=rec.state,
        actor=_actor(actor),
        note=note,
    )


def _today() -> dt.date:
    return timezone.localdate()


def _noon(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


# ---------------------------------------------------------------------------------------------------
# Recommendations


@dataclass
class NewRecommendation:
    title: str
    text: str
    sender_type: str = SenderType.DEPARTMENT
    sender_org: Organisation | None = None
    sender_name: str = ""
    sender_email: str = ""
    area_id: int | None = None
    addressee: str = "ministry"
    domain: Domain | None = None
    session: BriefingSession | None = None
    received_on: dt.date | None = None
    source_document: str = ""
    source: dict | None = None


def create_recommendation(user: Any, data: NewRecommendation, files: Sequence[UploadedFile] = ()) -> Recommendation:
    """Receive a recommendation. A department sends in its own name; the office records any sender."""
    if is_province(user):
        p = profile_of(user)
        data.sender_type = SenderType.DEPARTMENT
        data.sender_org = p.organisation if p else None
        data.area_id = p.area_id if p else None
        if data.sender_org is None:
            raise NotAllowed("Tài khoản của bạn chưa gắn với một Sở nên chưa gửi được kiến nghị.")
    elif not is_office(user):
        raise NotAllowed("Chỉ Sở hoặc Văn phòng Bộ được tiếp nhận kiến nghị.")
    title = _clean_text(data.title, "title", "Tiêu đề", MAX_TITLE)
    text = _clean_text(data.text, "text", "Nội dung kiến nghị", MAX_TEXT)
    if data.sender_type not in SenderType.values:
        raise ServiceError(f"Loại người gửi “{data.sender_type}” không hợp lệ.", "sender_type")
    if data.sender_org is not None:
        # The sender type follows the organisation: a Sở, an enterprise, or another organisation.
        data.sender_type = {OrgKind.DEPARTMENT: SenderType.DEPARTMENT, OrgKind.ENTERPRISE: SenderType.ENTERPRISE}.get(
            data.sender_org.kind, SenderType.ORGANISATION
        )
    elif data.sender_type == SenderType.DEPARTMENT:
        raise ServiceError("Kiến nghị của Sở cần chọn Sở gửi trong danh sách cơ quan.", "sender_org")
    if data.sender_org is None and not data.sender_name.strip():
        raise ServiceError("Cần chọn cơ quan gửi hoặc ghi tên người/tổ chức gửi.", "sender_name")
    received_on = data.received_on or _today()
    if received_on > _today():
        raise ServiceError("Ngày tiếp nhận không được sau ngày hôm nay.", "received_on")
    for f in files:
        _check_file(f, "files")
    area_id = data.area_id
    if area_id is None and data.sender_org is not None:
        area_id = data.sender_org.area_id
    with transaction.atomic():
        rec = Recommendation(
            title=title,
            text=text,
            sender_type=data.sender_type,
            sender_org=data.sender_org,
            sender_name=_clean_text(data.sender_name, "sender_name", "Tên người gửi", 250, required=False),
            sender_email=(data.sender_email or "").strip(),
            area_id=area_id,
            addressee=data.addressee,
            domain=data.domain,
            session=data.session,
            received_on=received_on,
            source_document=data.source_document or "",
            source=data.source,
            created_by=_actor(user),
        )
        rec.refresh_search()
        rec.save()
        for f in files:
            Attachment.objects.create(recommendation=rec, file=f, name=f.name, size=f.size or 0, uploaded_by=rec.created_by)
        _log(rec, RecommendationEvent.Action.CREATED, user, "")
    return rec


def add_attachment(user: Any, rec: Recommendation, f: UploadedFile) -> Attachment:
    check_view_recommendation(user, rec)
    if not (is_office(user) or can_answer(user, rec) or (is_province(user) and rec.sender_org_id == _org_id(user))):
        raise NotAllowed("Bạn không có quyền đính kèm tệp vào kiến nghị này.")
    _check_file(f, "file")
    with transaction.atomic():
        att = Attachment.objects.create(recommendation=rec, file=f, name=f.name, size=f.size or 0, uploaded_by=_actor(user))
        _log(rec, RecommendationEvent.Action.ATTACHED, user, rec.state, f.name)
    return att


def assign(
    user: Any,
    rec: Recommendation,
    lead_unit: Any,
    co_units: Iterable[Any] = (),
    due_on: dt.date | None = None,
    note: str = "",
) -> Assignment:
    """Assign (or reassign) a lead unit and co-operating units; the due date follows the rule table unless given."""
    if not is_office(user):
        raise NotAllowed("Chỉ Văn phòng Bộ được giao xử lý kiến nghị.")
    if rec.state not in (RecState.RECEIVED, RecState.ASSIGNED):
        raise ServiceError(
            f"Không thể giao lại kiến nghị ở trạng thái “{rec.get_state_display()}”.", "lead_unit"
        )
    if lead_unit in (None, ""):
        raise ServiceError("Cần chọn đơn vị chủ trì.", "lead_unit")
    (lead,) = _units([lead_unit], "lead_unit", UNIT_KINDS, "Đơn vị chủ trì")
    co = [u for u in _units(co_units, "co_units", UNIT_KINDS, "Đơn vị phối hợp") if u.pk != lead.pk]
    if due_on is None:
        due_on = rec.due_on or due_date_for(rec.received_on, rec.domain)
    if due_on < rec.received_on:
        raise ServiceError(
            f"Hạn trả lời ({due_on:%d/%m/%Y}) không được trước ngày tiếp nhận ({rec.received_on:%d/%m/%Y}).", "due_on"
        )
    note = _clean_text(note, "note", "Ghi chú", 2000, required=False)
    with transaction.atomic():
        Recommendation.objects.select_for_update().filter(pk=rec.pk).first()  # lock the row
        rec.refresh_from_db()
        if rec.state not in (RecState.RECEIVED, RecState.ASSIGNED):  # re-check under the lock
            raise ServiceError(f"Không thể giao lại kiến nghị ở trạng thái “{rec.get_state_display()}”.", "lead_unit")
        now = timezone.now()
        reassign = rec.assignments.filter(ended_at__isnull=True).exists()
        rec.assignments.filter(ended_at__isnull=True).update(ended_at=now)
        a = Assignment.objects.create(recommendation=rec, lead_unit=lead, due_on=due_on, note=note, assigned_by=_actor(user), assigned_at=now)
        a.co_units.set(co)
        before = rec.state
        rec.state = RecState.ASSIGNED
        rec.lead_unit = lead
        rec.due_on = due_on
        rec.save()
        rec.co_units.set(co)
        action = RecommendationEvent.Action.REASSIGNED if reassign else RecommendationEvent.Action.ASSIGNED
        _log(rec, action, user, before, f"{lead.name}; hạn {due_on:%d/%m/%Y}" + (f"; {note}" if note else ""))
        from . import notify

        transaction.on_commit(lambda: notify.assigned(rec.pk))
    return a


def answer(user: Any, rec: Recommendation, internal_answer: str, answered_on: dt.date | None = None) -> Recommendation:
    """The lead unit answers (or revises its answer before publication)."""
    check_view_recommendation(user, rec)
    if not can_answer(user, rec):
        raise NotAllowed("Chỉ đơn vị chủ trì hoặc Văn phòng Bộ được trả lời kiến nghị này.")
    if rec.state not in (RecState.ASSIGNED, RecState.ANSWERED):
        raise ServiceError(
            f"Không thể trả lời kiến nghị ở trạng thái “{rec.get_state_display()}”: cần giao đơn vị chủ trì trước.", "internal_answer"
        )
    text = _clean_text(internal_answer, "internal_answer", "Nội dung trả lời", MAX_ANSWER)
    answered_on = answered_on or _today()
    if answered_on < rec.received_on:
        raise ServiceError("Ngày trả lời không được trước ngày tiếp nhận.", "answered_on")
    if answered_on > _today():
        raise ServiceError("Ngày trả lời không được sau ngày hôm nay.", "answered_on")
    with transaction.atomic():
        before = rec.state
        rec.internal_answer = text
        if before == RecState.ASSIGNED:
            rec.answered_on = answered_on
            rec.resolved_on = answered_on
        rec.state = RecState.ANSWERED
        rec.save()
        _log(rec, RecommendationEvent.Action.ANSWERED, user, before)
        from . import notify

        transaction.on_commit(lambda: notify.answered(rec.pk))
    return rec


def publish(user: Any, rec: Recommendation, public_answer: str | None = None, published_on: dt.date | None = None) -> Recommendation:
    """The explicit publication step: the public text may differ from the internal answer."""
    if not is_office(user):
        raise NotAllowed("Chỉ Văn phòng Bộ được công khai câu trả lời.")
    if rec.state != RecState.ANSWERED:
        raise ServiceError(f"Chỉ công khai được kiến nghị đã trả lời (hiện: “{rec.get_state_display()}”).", "public_answer")
    text = public_answer if public_answer is not None and public_answer.strip() else rec.internal_answer
    text = _clean_text(text, "public_answer", "Nội dung trả lời công khai", MAX_ANSWER)
    with transaction.atomic():
        before = rec.state
        rec.public_answer = text
        rec.state = RecState.PUBLISHED
        rec.published_on = published_on or _today()
        rec.refresh_search()
        rec.save()
        _log(rec, RecommendationEvent.Action.PUBLISHED, user, before)
        from . import notify

        transaction.on_commit(lambda: notify.published(rec.pk))
    return rec


def decline(
    user: Any,
    rec: Recommendation,
    reason: str,
    note: str = "",
    duplicate_of: Recommendation | int | None = None,
    declined_on: dt.date | None = None,
) -> Recommendation:
    if not is_office(user):
        raise NotAllowed("Chỉ Văn phòng Bộ được quyết định không xử lý kiến nghị.")
    if rec.state not in (RecState.RECEIVED, RecState.ASSIGNED):
        raise ServiceError(f"Không thể từ chối kiến nghị ở trạng thái “{rec.get_state_display()}”.", "reason")
    if reason not in DeclineReason.values:
        raise ServiceError("Cần chọn lý do không xử lý.", "reason")
    note = _clean_text(note, "note", "Giải thích", 5000, required=reason != DeclineReason.DUPLICATE)
    dup = None
    if reason == DeclineReason.DUPLICATE:
        if duplicate_of in (None, ""):
            raise ServiceError("Cần ghi số kiến nghị bị trùng.", "duplicate_of")
        dup = duplicate_of if isinstance(duplicate_of, Recommendation) else Recommendation.objects.filter(pk=_int(duplicate_of)).first()
        if dup is None:
            raise ServiceError(f"Không tìm thấy kiến nghị số “{duplicate_of}”.", "duplicate_of")
        if dup.pk == rec.pk:
            raise ServiceError("Một kiến nghị không thể trùng với chính nó.", "duplicate_of")
    declined_on = declined_on or _today()
    if not rec.received_on <= declined_on <= _today():
        raise ServiceError("Ngày quyết định phải từ ngày tiếp nhận đến hôm nay.", "declined_on")
    with transaction.atomic():
        before = rec.state
        rec.state = RecState.DECLINED
        rec.decline_reason = reason
        rec.decline_note = note
        rec.duplicate_of = dup
        rec.resolved_on = declined_on
        rec.save()
        rec.assignments.filter(ended_at__isnull=True).update(ended_at=timezone.now())
        _log(rec, RecommendationEvent.Action.DECLINED, user, before, f"{DeclineReason(reason).label}. {note}".strip())
    return rec


def _int(v: Any) -> int | None:
    try:
        return int(str(v).strip().split("-")[-1])
    except (TypeError, ValueError):
        return None


# ---------------------------------------------------------------------------------------------------
# From prose to records (the extraction review plugs in here)


def recommendation_from_extraction(user: Any, candidate: dict[str, Any]) -> Recommendation:
    """Turn a reviewed extraction candidate into a recommendation in one step.

    ``candidate``: ``text`` (required), ``title``, ``sender_org`` (an ``Organisation`` or its uid),
    ``domain`` (code), ``received_on``, ``document`` (title/number of the report), ``sha256`` and
    ``span`` ([start, end] character offsets) of the source text.
    """
    org = candidate.get("sender_org")
    if isinstance(org, str):
        org = Organisation.objects.filter(uid=org).first()
        if org is None:
            raise ServiceError(f"Không tìm thấy cơ quan gửi “{candidate.get('sender_org')}”.", "sender_org")
    domain = candidate.get("domain")
    if isinstance(domain, str):
        domain = Domain.objects.filter(code=domain).first()
    text = candidate.get("text") or ""
    data = NewRecommendation(
        title=candidate.get("title") or text[:120],
        text=text,
        sender_type=SenderType.DEPARTMENT if org and org.kind == OrgKind.DEPARTMENT else SenderType.ORGANISATION,
        sender_org=org,
        sender_name="" if org else candidate.get("sender_name", ""),
        domain=domain,
        received_on=candidate.get("received_on"),
        source_document=candidate.get("document", ""),
        source={"sha256": candidate.get("sha256"), "span": candidate.get("span"), "document": candidate.get("document", "")},
    )
    return create_recommendation(user, data)


def directive_from_extraction(user: Any, candidate: dict[str, Any]) -> Directive:
    """Turn a reviewed directive found in a report into a record in one step.

    ``candidate``: ``title`` (required), ``leader_name``, ``leader_title``, ``assignees`` (organisation
    uids), ``given_on``, ``due_on``, ``document``, ``domain`` (code), ``sha256`` and ``span``.
    """
    uids = list(candidate.get("assignees") or [])
    orgs = list(Organisation.objects.filter(uid__in=uids))
    missing = sorted(set(uids) - {o.uid for o in orgs})
    if missing:
        raise ServiceError(f"Không tìm thấy đơn vị thực hiện: {', '.join(missing)}.", "assignees")
    domain = candidate.get("domain")
    if isinstance(domain, str):
        domain = Domain.objects.filter(code=domain).first()
    return create_directive(
        user,
        title=candidate.get("title") or "",
        leader_name=candidate.get("leader_name") or "",
        leader_title=candidate.get("leader_title") or "",
        assignees=orgs,
        given_on=candidate.get("given_on"),
        due_on=candidate.get("due_on"),
        document=candidate.get("document") or "",
        domain=domain,
        source={"sha256": candidate.get("sha256"), "span": candidate.get("span"), "document": candidate.get("document", "")},
    )


# ---------------------------------------------------------------------------------------------------
# Briefing sessions and directives


def create_session(
    user: Any,
    title: str,
    date: dt.date,
    chair: str,
    chair_title: str = "",
    participants: str = "",
    connection_points: int = 0,
    location: str = "",
) -> BriefingSession:
    if not is_office(user):
        raise NotAllowed("Chỉ Văn phòng Bộ được tạo phiên giao ban.")
    title = _clean_text(title, "title", "Tên phiên giao ban", 250)
    chair = _clean_text(chair, "chair", "Người chủ trì", 160)
    if date is None:
        raise ServiceError("Cần nhập ngày họp.", "date")
    if connection_points is None or int(connection_points) < 0:
        raise ServiceError("Số điểm cầu không hợp lệ.", "connection_points")
    return BriefingSession.objects.create(
        title=title,
        date=date,
        chair=chair,
        chair_title=_clean_text(chair_title, "chair_title", "Chức vụ", 160, required=False),
        participants=_clean_text(participants, "participants", "Thành phần tham dự", 5000, required=False),
        connection_points=int(connection_points),
        location=_clean_text(location, "location", "Địa điểm", 250, required=False),
        created_by=_actor(user),
    )


def add_to_session(user: Any, session: BriefingSession, reference: str | int | Recommendation) -> Recommendation:
    """Record that a recommendation was raised at a briefing session (by its number, e.g. ``KN-2026-00012``)."""
    if not is_office(user):
        raise NotAllowed("Chỉ Văn phòng Bộ được cập nhật kiến nghị của phiên giao ban.")
    rec = reference if isinstance(reference, Recommendation) else None
    if rec is None:
        pk = _int(reference) if str(reference or "").strip() else None
        rec = Recommendation.objects.filter(pk=pk).first() if pk else None
    if rec is None:
        raise ServiceError(f"Không tìm thấy kiến nghị số “{reference}”.", "reference")
    if rec.session_id and rec.session_id != session.pk:
        raise ServiceError(f"Kiến nghị {rec.reference} đã thuộc phiên giao ban “{rec.session.title}”.", "reference")
    rec.session = session
    rec.save(update_fields=["session", "updated_at"])
    return rec


def create_directive(
    user: Any,
    title: str,
    leader_name: str,
    assignees: Iterable[Any],
    given_on: dt.date | None = None,
    due_on: dt.date | None = None,
    leader_title: str = "",
    session: BriefingSession | None = None,
    meeting: str = "",
    document: str = "",
    detail: str = "",
    domain: Domain | None = None,
    recommendation: Recommendation | None = None,
    source: dict | None = None,
) -> Directive:
    if not is_office(user):
        raise NotAllowed("Chỉ Văn phòng Bộ được giao nhiệm vụ.")
    title = _clean_text(title, "title", "Nội dung nhiệm vụ", 500)
    leader_name = _clean_text(leader_name, "leader_name", "Lãnh đạo giao nhiệm vụ", 160)
    orgs = _units(list(assignees), "assignees", ASSIGNEE_KINDS, "Đơn vị thực hiện")
    if not orgs:
        raise ServiceError("Cần chọn ít nhất một đơn vị thực hiện.", "assignees")
    given_on = given_on or (session.date if session else _today())
    if due_on is None:
        due_on = due_date_for(given_on, domain, DueRuleKind.DIRECTIVE)
    if due_on < given_on:
        raise ServiceError(
            f"Hạn hoàn thành ({due_on:%d/%m/%Y}) không được trước ngày giao ({given_on:%d/%m/%Y}).", "due_on"
        )
    with transaction.atomic():
        d = Directive(
            title=title,
            detail=_clean_text(detail, "detail", "Chi tiết", MAX_TEXT, required=False),
            leader_name=leader_name,
            leader_title=_clean_text(leader_title, "leader_title", "Chức vụ", 160, required=False),
            session=session,
            meeting=_clean_text(meeting, "meeting", "Cuộc họp", 250, required=False),
            document=_clean_text(document, "document", "Văn bản giao", 250, required=False),
            domain=domain,
            recommendation=recommendation,
            given_on=given_on,
            due_on=due_on,
            source=source,
            created_by=_actor(user),
        )
        d.refresh_search()
        d.save()
        d.assignees.set(orgs)
        from . import notify

        transaction.on_commit(lambda: notify.directive_assigned(d.pk))
    return d


def conclude_session(
    user: Any,
    session: BriefingSession,
    conclusions: str,
    assignees: Iterable[Any],
    due_on: dt.date | None = None,
    leader_name: str = "",
    leader_title: str = "",
) -> list[Directive]:
    """Record a session's conclusions and turn each non-empty line into a directive, in one step."""
    if not is_office(user):
        raise NotAllowed("Chỉ Văn phòng Bộ được ghi kết luận phiên giao ban.")
    text = _clean_text(conclusions, "conclusions", "Kết luận", MAX_TEXT)
    lines = [ln.strip(" -•\t") for ln in text.splitlines()]
    lines = [ln for ln in lines if ln]
    assignees = list(assignees)
    _units(assignees, "assignees", ASSIGNEE_KINDS, "Đơn vị thực hiện")  # validate before writing anything
    if not assignees:
        raise ServiceError("Cần chọn ít nhất một đơn vị thực hiện.", "assignees")
    if due_on is not None and due_on < session.date:
        raise ServiceError(f"Hạn hoàn thành không được trước ngày họp ({session.date:%d/%m/%Y}).", "due_on")
    for ln in lines:
        if len(ln) > 500:
            raise ServiceError(f"Kết luận quá dài (tối đa 500 ký tự mỗi dòng): “{ln[:60]}…”", "conclusions")
    with transaction.atomic():
        session.conclusions = (session.conclusions + "\n" + text).strip() if session.conclusions else text
        session.save(update_fields=["conclusions"])
        return [
            create_directive(
                user,
                title=ln,
                leader_name=leader_name or session.chair,
                leader_title=leader_title or session.chair_title,
                assignees=assignees,
                session=session,
                meeting=session.title,
                given_on=session.date,
                due_on=due_on,
            )
            for ln in lines
        ]


def report_progress(
    user: Any,
    d: Directive,
    percent: int,
    note: str,
    files: Sequence[UploadedFile] = (),
    done: bool = False,
    on: dt.date | None = None,
) -> ProgressUpdate:
    """A progress update; 100% (or ``done``) closes the directive, anything else makes it in progress."""
    if not can_view_directive(user, d):
        raise NotAllowed("Bạn không có quyền xem nhiệm vụ này.")
    if not can_report_progress(user, d):
        raise NotAllowed("Chỉ đơn vị được giao mới cập nhật được tiến độ nhiệm vụ này.")
    if d.state not in OPEN_DIR_STATES:
        raise ServiceError(f"Nhiệm vụ đã ở trạng thái “{d.get_state_display()}”, không cập nhật tiến độ được.", "percent")
    try:
        percent = int(percent)
    except (TypeError, ValueError) as exc:
        raise ServiceError("Tiến độ phải là số từ 0 đến 100.", "percent") from exc
    if not 0 <= percent <= 100:
        raise ServiceError("Tiến độ phải là số từ 0 đến 100.", "percent")
    if percent < d.percent:
        raise ServiceError(f"Tiến độ mới ({percent}%) không được thấp hơn tiến độ đã báo cáo ({d.percent}%).", "percent")
    note = _clean_text(note, "note", "Nội dung cập nhật", MAX_TEXT)
    for f in files:
        _check_file(f, "files")
    if done:
        percent = 100
    on = on or _today()
    if not d.given_on <= on <= _today():
        raise ServiceError("Ngày cập nhật phải từ ngày giao đến hôm nay.", "on")
    with transaction.atomic():
        before = d.state
        d.percent = percent
        if percent == 100:
            d.state = DirState.DONE
            d.done_on = on
        else:
            d.state = DirState.IN_PROGRESS
        d.save()
        upd = ProgressUpdate.objects.create(
            directive=d,
            organisation_id=_org_id(user),
            percent=percent,
            note=note,
            from_state=before,
            to_state=d.state,
            author=_actor(user),
            at=timezone.now() if on == _today() else _noon(on),
        )
        for f in files:
            Evidence.objects.create(update=upd, file=f, name=f.name, size=f.size or 0)
    return upd


def cancel_directive(user: Any, d: Directive, reason: str) -> Directive:
    if not is_office(user):
        raise NotAllowed("Chỉ Văn phòng Bộ được hủy nhiệm vụ.")
    if d.state not in OPEN_DIR_STATES:
        raise ServiceError(f"Không thể hủy nhiệm vụ ở trạng thái “{d.get_state_display()}”.", "reason")
    reason = _clean_text(reason, "reason", "Lý do hủy", 5000)
    with transaction.atomic():
        before = d.state
        d.state = DirState.CANCELLED
        d.cancel_reason = reason
        d.save()
        ProgressUpdate.objects.create(
            directive=d, percent=d.percent, note=f"Hủy nhiệm vụ: {reason}", from_state=before, to_state=d.state, author=_actor(user)
        )
    return d
