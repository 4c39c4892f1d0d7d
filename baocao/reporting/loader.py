"""Load the report forms fixture (``fixtures/forms.json``) into the database, idempotently.

A version that already has submissions is never rewritten: its items stay as they were (a change to a
form is a new version from a date). Versions without submissions are replaced by the fixture's.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.db import transaction

from baocao.catalog.models import Indicator
from baocao.periods.models import Regime

from .models import FormItem, FormSection, FormVersion, ReportForm, Submission

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "forms.json"


class FormFixtureError(ValueError):
    pass


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def read_fixture(path: Path | None = None) -> dict[str, Any]:
    return json.loads((path or FIXTURE).read_text(encoding="utf-8"))


@transaction.atomic
def load_forms(path: Path | None = None) -> dict[str, int]:
    """Create or refresh every form of the fixture; returns counts."""
    data = read_fixture(path)
    indicators = {i.code: i for i in Indicator.objects.all()}
    counts = {"forms": 0, "versions": 0, "items": 0, "kept": 0}
    for f in data["forms"]:
        regime = Regime.objects.filter(code=f["regime"]).first()
        if regime is None:
            raise FormFixtureError(f"{f['code']}: unknown regime {f['regime']} (run: baocao load_regimes)")
        form, _ = ReportForm.objects.update_or_create(
            code=f["code"],
            defaults={
                "symbol": f["symbol"], "title": f["title"], "regime": regime, "period_type": f["period_type"],
                "reporter_domain": f.get("reporter_domain", ""), "order": f.get("order", 0), "note": f.get("note", ""),
                "active": f.get("active", True),
            },
        )
        counts["forms"] += 1
        for v in f["versions"]:
            version, _ = FormVersion.objects.update_or_create(
                form=form, number=v["number"],
                defaults={"valid_from": _date(v.get("valid_from")), "valid_to": _date(v.get("valid_to")), "note": v.get("note", "")},
            )
            counts["versions"] += 1
            if Submission.objects.filter(version=version).exists():
                counts["kept"] += 1
                continue
            version.sections.all().delete()
            for s_order, s in enumerate(v["sections"], start=1):
                section = FormSection.objects.create(version=version, order=s_order, title=s["title"])
                items = []
                for i_order, it in enumerate(s["items"], start=1):
                    ind = indicators.get(it["indicator"])
                    if ind is None:
                        raise FormFixtureError(f"{f['code']} v{v['number']}: unknown indicator {it['indicator']} (run: baocao load_catalog)")
                    items.append(FormItem(section=section, order=i_order, indicator=ind, disagg=it.get("disagg", ""), label=it.get("label", "")))
                FormItem.objects.bulk_create(items)
                counts["items"] += len(items)
    from baocao.analytics.cache import new_token

    new_token()  # bulk_create sends no signals: tell the analytics cache that the forms changed
    return counts
