"""Small catalogs for tests (built in code, not copied from the fixture)."""

from __future__ import annotations

import copy
import json
from typing import Any

from baocao.catalog.services import DEFAULT_FILE


def fixture_data() -> dict[str, Any]:
    with DEFAULT_FILE.open(encoding="utf-8") as fh:
        return json.load(fh)


def tiny_catalog() -> dict[str, Any]:
    """A valid three-indicator catalog."""
    return copy.deepcopy(
        {
            "version": "test-1",
            "updated": "2026-01-01",
            "domains": [
                {"code": "telecom", "name": "Viễn thông, Internet", "name_en": "Telecom", "order": 1}
            ],
            "disaggregations": [{"code": "fixed", "name": "Cố định", "name_en": "Fixed"}],
            "indicators": [
                {
                    "code": "TEL_SUBS_TOTAL",
                    "name": "Tổng số thuê bao điện thoại",
                    "name_en": "Telephone subscribers",
                    "domain": "telecom",
                    "unit": "thuê bao",
                    "value_type": "count",
                    "agg_space": "sum",
                    "agg_time": "stock",
                    "disaggregations": ["fixed"],
                    "phrases": ["thuê bao điện thoại"],
                },
                {
                    "code": "INET_FBB_COMMUNES",
                    "name": "Số xã có Internet băng rộng cố định",
                    "name_en": "Communes with fixed broadband",
                    "domain": "telecom",
                    "unit": "xã",
                    "value_type": "fraction",
                    "agg_space": "ratio_of_sums",
                    "agg_time": "stock",
                    "phrases": ["xã có Internet băng rộng cố định"],
                },
                {
                    "code": "FBB_FULL_PROVINCES",
                    "name": "Số tỉnh có Internet băng rộng cố định ở mọi xã",
                    "name_en": "Provinces with fixed broadband in every commune",
                    "domain": "telecom",
                    "unit": "tỉnh",
                    "value_type": "count",
                    "agg_space": "count_if",
                    "condition": "INET_FBB_COMMUNES >= 100",
                    "agg_time": "stock",
                    "phrases": ["tỉnh phủ cáp quang 100% xã"],
                },
            ],
        }
    )
