"""Government reporting export: an accepted report as one JSON document shaped after the message
types of QCVN 125:2021/BTTTT (structure and data format for connecting reporting information systems
to the national reporting system).

QCVN 125 defines 13 message types (gói tin) and rules for digital signatures. Its field-level schema
was not available to us, so the *field names* here are ours; each section names the message type it
corresponds to (``messageType``) so that a mapping to the real schema is a renaming, not a redesign.
See docs/interchange.md for the table.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

STANDARD = "QCVN 125:2021/BTTTT"


class NotAccepted(ValueError):  # noqa: N818 - mapped to HTTP 409
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def export_submission(sub: Any, user: Any) -> dict[str, Any]:
    """The export of accepted report ``sub`` for ``user`` (``reporting.services.require(user, "download")``).

    Raises ``reporting.services.Forbidden`` outside the user's scope and ``NotAccepted`` for a report
    that the Ministry has not accepted.
    """
    from baocao.catalog.models import Disaggregation, Indicator
    from baocao.reporting import services as rs
    from baocao.reporting.models import State

    rs.require(user, "download", sub.area_id)
    if sub.state != State.ACCEPTED:
        raise NotAccepted(
            f"Chỉ xuất được báo cáo Bộ đã chấp nhận; báo cáo này đang ở trạng thái “{sub.get_state_display()}”."
        )
    period = rs.period_of(sub)
    form, regime, version = sub.form, sub.form.regime, sub.version
    snapshot = sub.snapshot or {}
    values = snapshot.get("values", {})
    codes = sorted({k.split(".", 1)[0] for k in values})
    indicators = {i.code: i for i in Indicator.objects.filter(code__in=codes).select_related("domain")}
    disagg_codes = sorted({k.split(".", 1)[1] for k in values if "." in k})
    disaggs = {d.code: d for d in Disaggregation.objects.filter(code__in=disagg_codes)}
    items = []
    for key in sorted(values):
        code, _, disagg = key.partition(".")
        v = values[key]
        ind = indicators.get(code)
        items.append({
            "key": key, "indicatorCode": code, "disaggregationCode": disagg or None,
            "value": v.get("value"), "numerator": v.get("numerator"), "denominator": v.get("denominator"),
            "unit": ind.unit if ind else None, "qualifier": v.get("qualifier"), "comment": v.get("comment") or "",
        })
    verification = rs.verify(sub)
    key = sub.signing_key
    accepted_event = sub.events.filter(action="accept").order_by("-at").first()
    org = sub.organisation
    return {
        "standard": STANDARD,
        "note": "Trường dữ liệu đặt theo baocao; mỗi phần ghi loại gói tin QCVN 125 tương ứng (messageType).",
        "exportedAt": timezone.now().isoformat(),
        "regime": {
            "messageType": "chế độ báo cáo",
            "code": regime.code, "name": regime.name, "legalBasis": regime.legal_basis, "kind": regime.kind,
        },
        "form": {
            "messageType": "biểu mẫu báo cáo",
            "code": form.code, "symbol": form.symbol, "title": form.title, "version": version.number,
            "versionValidFrom": _iso(version.valid_from), "periodType": form.period_type,
        },
        "period": {
            "messageType": "danh mục kỳ báo cáo",
            "code": period.code, "type": period.type, "label": period.label_vi,
            "start": period.start.isoformat(), "end": period.end.isoformat(),
        },
        "reportingUnit": {
            "messageType": "trạng thái báo cáo (đơn vị gửi)",
            "area": {"code": sub.area.uid, "officialCode": sub.area.code, "name": sub.area.name},
            "organisation": {"code": org.uid, "name": org.name} if org is not None else None,
        },
        "indicators": {
            "messageType": "danh mục chỉ tiêu báo cáo",
            "items": [
                {"code": c, "name": i.name, "nameEn": i.name_en, "unit": i.unit, "valueType": i.value_type,
                 "group": i.domain.code, "legalBasis": i.legal_basis}
                for c, i in sorted(indicators.items())
            ],
        },
        "disaggregations": {
            "messageType": "danh mục phân tổ chỉ số",
            "items": [{"code": c, "name": d.name, "nameEn": d.name_en} for c, d in sorted(disaggs.items())],
        },
        "data": {"messageType": "số liệu báo cáo", "values": items},
        "status": {
            "messageType": "trạng thái báo cáo",
            "state": sub.state, "stateLabel": sub.get_state_display(),
            "firstSubmittedAt": _iso(sub.first_submitted_at), "submittedAt": _iso(sub.submitted_at),
            "submittedBy": sub.submitted_by.get_username() if sub.submitted_by_id else None,
            "acceptedAt": _iso(sub.decided_at or (accepted_event.at if accepted_event else None)),
            "acceptedBy": sub.decided_by.get_username() if sub.decided_by_id else None,
        },
        "snapshot": snapshot,
        "digest": {"algorithm": "SHA-256", "of": "snapshot (canonical JSON: sorted keys, no spaces, UTF-8)", "value": sub.digest},
        "signature": {
            "messageType": "quy định về ký số",
            "algorithm": "Ed25519", "value": sub.signature or None,
            "publicKey": key.public_key if key is not None else None,
            "signer": org.uid if (key is not None and org is not None) else None,
        },
        "verification": {
            "ok": verification.ok, "digestOk": verification.digest_ok, "signatureOk": verification.signature_ok,
            "message": verification.message, "changed": verification.changed,
        },
    }
