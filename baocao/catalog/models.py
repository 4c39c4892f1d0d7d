"""The ICT indicator catalog as data (loaded from ``fixtures/catalog.json``, editable in the admin)."""

from __future__ import annotations

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from baocao.core.text import fold
from baocao.core.validity import ValidityMixin, ValidityQuerySet


class UnicodeJSONEncoder(DjangoJSONEncoder):
    """Store Vietnamese text in JSON columns as written (not ``\\u1ec7`` escapes), so it stays searchable."""

    def __init__(self, *args, **kwargs):
        kwargs["ensure_ascii"] = False
        super().__init__(*args, **kwargs)


class Domain(models.Model):
    code = models.CharField("mã", max_length=20, unique=True)
    name = models.CharField("tên", max_length=200)
    name_en = models.CharField("tên tiếng Anh", max_length=200)
    order = models.PositiveSmallIntegerField("thứ tự", default=0)

    class Meta:
        verbose_name = "lĩnh vực"
        verbose_name_plural = "lĩnh vực"
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class ValueType(models.TextChoices):
    COUNT = "count", "Số lượng"
    MONEY = "money", "Tiền (đồng)"
    PERCENT = "percent", "Tỷ lệ phần trăm"
    DENSITY = "density", "Mật độ trên 100 dân"
    FRACTION = "fraction", "Tử số/mẫu số"
    RATIO = "ratio", "Tỷ số"
    INDEX = "index", "Chỉ số, điểm"
    BOOLEAN = "boolean", "Có/không"


class SpaceAggregation(models.TextChoices):
    """How values of several organisation units combine (province → country, old → new province)."""

    SUM = "sum", "Cộng"
    RATIO_OF_SUMS = "ratio_of_sums", "Tỷ lệ của tổng (tổng tử số / tổng mẫu số)"
    WEIGHTED_MEAN = "weighted_mean", "Bình quân gia quyền"
    COUNT_IF = "count_if", "Đếm số đơn vị đạt điều kiện"
    NONE = "none", "Không cộng gộp"


class TimeAggregation(models.TextChoices):
    STOCK = "stock", "Thời điểm (lấy giá trị cuối kỳ)"
    FLOW = "flow", "Thời kỳ (cộng dồn)"


class IndicatorQuerySet(ValidityQuerySet):
    pass


class Indicator(ValidityMixin, models.Model):
    code = models.CharField("mã chỉ tiêu", max_length=40, unique=True)
    name = models.CharField("tên chỉ tiêu", max_length=300)
    name_en = models.CharField("tên tiếng Anh", max_length=300)
    domain = models.ForeignKey(
        Domain, verbose_name="lĩnh vực", on_delete=models.PROTECT, related_name="indicators"
    )
    unit = models.CharField("đơn vị tính", max_length=60)
    unit_aliases = models.JSONField(
        "cách viết khác của đơn vị tính",
        default=list,
        encoder=UnicodeJSONEncoder,
        blank=True,
        help_text="Các cách báo cáo viết đơn vị này, ví dụ “TB” cho “thuê bao”.",
    )
    value_type = models.CharField("kiểu giá trị", max_length=10, choices=ValueType.choices)
    agg_space = models.CharField("cộng gộp theo đơn vị", max_length=20, choices=SpaceAggregation.choices)
    agg_time = models.CharField("cộng gộp theo thời gian", max_length=10, choices=TimeAggregation.choices)
    weight = models.ForeignKey(
        "self",
        verbose_name="trọng số (bình quân gia quyền)",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="weighted",
        help_text="Chỉ tiêu dùng làm trọng số; để trống thì dùng dân số của đơn vị hành chính.",
    )
    condition = models.CharField(
        "điều kiện (đếm đơn vị đạt)",
        max_length=120,
        blank=True,
        help_text="Với chỉ tiêu đếm đơn vị: mã chỉ tiêu nguồn và điều kiện, ví dụ “LGSP_NDXP_CONNECTED >= 1”.",
    )
    decimals = models.PositiveSmallIntegerField("số chữ số thập phân", default=0)
    min_value = models.DecimalField(
        "giá trị nhỏ nhất", max_digits=24, decimal_places=6, null=True, blank=True
    )
    max_value = models.DecimalField(
        "giá trị lớn nhất", max_digits=24, decimal_places=6, null=True, blank=True
    )
    scope = models.CharField(
        "phạm vi", max_length=12, default="province", help_text="province, national hoặc both"
    )
    disaggregations = models.ManyToManyField("Disaggregation", verbose_name="phân tổ", blank=True)
    phrases = models.JSONField("cụm từ trong báo cáo", default=list, blank=True, encoder=UnicodeJSONEncoder)
    definition = models.TextField("khái niệm, phương pháp tính", blank=True)
    legal_basis = models.CharField("căn cứ", max_length=200, blank=True)
    valid_from = models.DateField("hiệu lực từ", null=True, blank=True)
    valid_to = models.DateField("hiệu lực đến", null=True, blank=True)
    search_text = models.TextField(
        "chuỗi tìm kiếm (không dấu)",
        blank=True,
        editable=False,
        help_text="Mã, tên, đơn vị và cụm từ, đã bỏ dấu.",
    )

    objects = IndicatorQuerySet.as_manager()

    class Meta:
        verbose_name = "chỉ tiêu"
        verbose_name_plural = "chỉ tiêu"
        ordering = ["domain__order", "code"]

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"

    def save(self, *args, **kwargs):
        self.search_text = self.build_search_text()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "search_text" not in update_fields:
            kwargs["update_fields"] = [*update_fields, "search_text"]
        super().save(*args, **kwargs)

    def build_search_text(self) -> str:
        parts = [
            self.code,
            self.name,
            self.name_en,
            self.unit,
            *(self.unit_aliases or []),
            *(self.phrases or []),
        ]
        return fold(" | ".join(p for p in parts if p))

    @property
    def needs_fraction(self) -> bool:
        return self.value_type == ValueType.FRACTION or self.agg_space == SpaceAggregation.RATIO_OF_SUMS


class Disaggregation(models.Model):
    """A breakdown of an indicator (DHIS2 category option combo), e.g. fixed / mobile."""

    code = models.CharField("mã", max_length=32, unique=True)
    name = models.CharField("tên", max_length=120)
    name_en = models.CharField("tên tiếng Anh", max_length=120, blank=True)

    class Meta:
        verbose_name = "phân tổ"
        verbose_name_plural = "phân tổ"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name
