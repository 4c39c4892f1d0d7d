"""Validity intervals: every versioned row (area, organisation, indicator, …) has valid_from/valid_to.

Both bounds are inclusive; NULL means open-ended. "The provinces" is always "the provinces on date D".
"""

from __future__ import annotations

import datetime as dt
from typing import Self

from django.db import models
from django.db.models import Q


class ValidityQuerySet(models.QuerySet):
    def valid_on(self, day: dt.date) -> Self:
        """Rows whose validity interval contains ``day``."""
        return self.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day)).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=day)
        )


class ValidityMixin:
    """``is_valid_on(day)`` for models with ``valid_from``/``valid_to`` fields."""

    valid_from: dt.date | None
    valid_to: dt.date | None

    def is_valid_on(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)
