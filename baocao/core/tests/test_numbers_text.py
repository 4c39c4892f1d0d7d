from decimal import Decimal

import pytest

from baocao.core.numbers import NumberFormatError, format_number, format_percent, parse_number
from baocao.core.text import fold


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("516.033", Decimal("516033")),
        ("16,2", Decimal("16.2")),
        ("1.234.567,89", Decimal("1234567.89")),
        ("03", Decimal("3")),
        ("0,5", Decimal("0.5")),
        ("-12", Decimal("-12")),
        ("83,70%", Decimal("83.70")),
        ("30.500.000", Decimal("30500000")),
        (" 42\u00a0871 ".replace("\u00a0", ""), Decimal("42871")),
    ],
)
def test_parse_number_vietnamese(text, expected):
    assert parse_number(text) == expected


@pytest.mark.parametrize("bad", ["", "abc", "1,2,3", "12.34", "1.2345", "16.2,5,", "--1", "1 2x"])
def test_parse_number_rejects(bad):
    with pytest.raises(NumberFormatError) as exc:
        parse_number(bad)
    assert "số" in str(exc.value) or "trống" in str(exc.value)


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (516033, None, "516.033"),
        (Decimal("16.2"), 1, "16,2"),
        (Decimal("16.20"), None, "16,2"),
        (1234567.891, 2, "1.234.567,89"),
        (0, None, "0"),
        (Decimal("1000000"), None, "1.000.000"),
    ],
)
def test_format_number(value, decimals, expected):
    assert format_number(value, decimals) == expected


def test_format_percent_and_round_trip():
    assert format_percent(Decimal("61.5")) == "61,5%"
    for v in [Decimal("516033"), Decimal("16.2"), Decimal("1234567.89")]:
        assert parse_number(format_number(v)) == v


def test_fold():
    assert fold("Chữ ký số") == "chu ky so"
    assert fold("  Đắk   Lắk ") == "dak lak"
    assert fold("THÀNH PHỐ Hồ Chí Minh") == "thanh pho ho chi minh"


def test_template_ids_are_never_grouped_but_vn_filters_are():
    """A pk of 12345 must stay "12345" in field names and anchors (it once became
    "12.345" and broke the review form as soon as the table grew); shown numbers
    still group the Vietnamese way through the filters."""
    from django.template import Context, Template
    from django.utils import translation

    with translation.override("vi"):
        out = Template('{% load vn %}<input name="action-{{ pk }}">{{ n|vn_number }}').render(
            Context({"pk": 12345, "n": 516033})
        )
    assert out == '<input name="action-12345">516.033'
