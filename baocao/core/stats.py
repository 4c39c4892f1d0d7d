"""Counts shown on the home page (what is loaded in this installation)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from baocao.catalog.models import Domain, Indicator
from baocao.datavalues.models import DataValue
from baocao.geo.models import AdminArea, AreaLevel
from baocao.orgs.models import Organisation
from baocao.periods.models import Regime


def summary(today: dt.date) -> dict[str, Any]:
    provinces = AdminArea.objects.provinces()
    return {
        "provinces_before": provinces.valid_on(dt.date(2025, 6, 30)).count(),
        "provinces_after": provinces.valid_on(dt.date(2025, 7, 1)).count(),
        "provinces_today": provinces.valid_on(today).count(),
        "communes_today": AdminArea.objects.filter(level=AreaLevel.COMMUNE).valid_on(today).count(),
        "indicators": Indicator.objects.count(),
        "domains": Domain.objects.count(),
        "organisations": Organisation.objects.count(),
        "regimes": Regime.objects.count(),
        "values": DataValue.objects.count(),
    }
