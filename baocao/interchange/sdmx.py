"""SDMX 2.1: the structure (dataflow, data structure definition, concept scheme, codelists) and data
messages (SDMX-ML Generic, SDMX-ML StructureSpecific, SDMX-JSON 1.0) built from the catalog, the map
and the stored values.

One dataflow ``BAOCAO:BAOCAO_ICT(1.0)`` with the DSD ``BAOCAO:DSD_BAOCAO_ICT(1.0)``:

============  ==============  =====================================================================
component     codelist        from
============  ==============  =====================================================================
FREQ          CL_FREQ         period types: A (year), S (half year), Q (quarter), M (month)
REF_AREA      CL_AREA         ``AdminArea.uid`` (country, provinces — both maps — and any area
                              holding values); names carry the validity interval
INDICATOR     CL_INDICATOR    ``Indicator.code`` (Vietnamese and English names)
DISAGG        CL_DISAGG       ``Disaggregation.code``; ``_T`` = total (our ``""``)
TIME_PERIOD   —               2020, 2020-S1, 2020-Q3, 2020-05 (ObservationalTimePeriod)
UNIT_MEASURE  CL_UNIT         the indicator's unit (attribute attached to INDICATOR)
QUALIFIER     CL_QUALIFIER    EXACT, APPROX, AT_LEAST (observation attribute)
OBS_VALUE     —               the value
============  ==============  =====================================================================

Nine-month periods (``2021N9``) have no SDMX frequency and are left out of SDMX data.
Data messages are written as they are read from the database (``iterator``), never built whole.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from django.utils import timezone

AGENCY = "BAOCAO"
FLOW = "BAOCAO_ICT"
DSD = "DSD_BAOCAO_ICT"
CONCEPTS = "CS_BAOCAO"
VERSION = "1.0"
TOTAL = "_T"

NS_MESSAGE = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message"
NS_COMMON = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common"
NS_STRUCTURE = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure"
NS_GENERIC = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/generic"
NS_SS = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/structurespecific"
NS_XSI = "http://www.w3.org/2001/XMLSchema-instance"

GENERIC = "application/vnd.sdmx.genericdata+xml; version=2.1"
STRUCTURE_SPECIFIC = "application/vnd.sdmx.structurespecificdata+xml; version=2.1"
SDMX_JSON = "application/vnd.sdmx.data+json; version=1.0.0"
STRUCTURE = "application/vnd.sdmx.structure+xml; version=2.1"

FREQ_OF = {"year": "A", "half_year": "S", "quarter": "Q", "month": "M"}
TYPE_OF = {v: k for k, v in FREQ_OF.items()}
FREQ_NAMES = {"A": ("Năm", "Annual"), "S": ("6 tháng", "Half-yearly"), "Q": ("Quý", "Quarterly"), "M": ("Tháng", "Monthly")}
QUALIFIER_CODES = {"exact": "EXACT", "approx": "APPROX", "at_least": "AT_LEAST"}
QUALIFIER_NAMES = {
    "EXACT": ("Chính xác", "Exact"), "APPROX": ("Khoảng, ước đạt", "Approximate, estimated"),
    "AT_LEAST": ("Trên, hơn, gần", "At least"),
}  # fmt: skip
DIMENSIONS = ("FREQ", "REF_AREA", "INDICATOR", "DISAGG")
CONCEPT_NAMES = {
    "FREQ": ("Tần suất", "Frequency"), "REF_AREA": ("Đơn vị hành chính", "Reference area"),
    "INDICATOR": ("Chỉ tiêu", "Indicator"), "DISAGG": ("Phân tổ", "Disaggregation"),
    "TIME_PERIOD": ("Kỳ", "Time period"), "OBS_VALUE": ("Giá trị", "Observation value"),
    "UNIT_MEASURE": ("Đơn vị tính", "Unit of measure"), "QUALIFIER": ("Mức chính xác", "Qualifier"),
}  # fmt: skip
CODELISTS = ("CL_FREQ", "CL_AREA", "CL_INDICATOR", "CL_DISAGG", "CL_UNIT", "CL_QUALIFIER")


class SdmxError(ValueError):
    """A query SDMX cannot answer (bad key, period, flow); ``status`` is the HTTP status."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


# --- periods ----------------------------------------------------------------------------------------


def sdmx_period(code: str, period_type: str) -> str | None:
    """``2020Q3`` → ``2020-Q3``, ``2020S1`` → ``2020-S1``, ``202005`` → ``2020-05``, ``2020`` → ``2020``."""
    if period_type == "year":
        return code
    if period_type == "month":
        return f"{code[:4]}-{code[4:]}"
    if period_type in ("quarter", "half_year"):
        return f"{code[:4]}-{code[4:]}"
    return None


def _bound(text: str, end: bool) -> dt.date:
    from baocao.periods.services import PeriodError, parse_period

    t = text.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", t):
        try:
            return dt.date.fromisoformat(t)
        except ValueError:
            pass
    try:
        p = parse_period(t.replace("-", "") if re.fullmatch(r"\d{4}-(Q\d|S\d|\d{2}|A1)", t) else t)
    except PeriodError:
        raise SdmxError(f"{'endPeriod' if end else 'startPeriod'} “{text}” không hợp lệ (dạng: 2020, 2020-S1, 2020-Q3, 2020-05, 2020-05-31)") from None
    return p.end if end else p.start


# --- reference data ---------------------------------------------------------------------------------


def _unit_id(unit: str) -> str:
    from baocao.core.text import fold

    if unit.strip() == "%":
        return "PERCENT"
    return re.sub(r"[^A-Z0-9]+", "_", fold(unit).upper()).strip("_") or "UNIT"


@dataclass
class Reference:
    indicators: list[tuple[str, str, str, str]]  # code, name, name_en, unit id
    units: dict[str, str]  # unit text → id
    areas: list[tuple[str, str, str]]  # uid, name, validity note
    disaggs: list[tuple[str, str, str]]

    @classmethod
    def load(cls) -> Reference:
        from baocao.catalog.models import Disaggregation, Indicator
        from baocao.datavalues.models import DataValue
        from baocao.geo.models import AdminArea

        units = unit_ids()
        indicators = [
            (code, name, name_en, units[unit])
            for code, name, name_en, unit in Indicator.objects.order_by("code").values_list("code", "name", "name_en", "unit")
        ]
        with_values = set(DataValue.objects.values_list("area_id", flat=True).distinct())
        areas = []
        for pk, uid, name, level, vf, vt in AdminArea.objects.order_by("uid").values_list(
            "id", "uid", "name", "level", "valid_from", "valid_to"
        ):
            if level in ("country", "province") or pk in with_values:
                areas.append((uid, name, _validity(vf, vt)))
        disaggs = [(TOTAL, "Tổng số", "Total")] + list(
            Disaggregation.objects.order_by("code").values_list("code", "name", "name_en")
        )
        return cls(indicators, units, areas, disaggs)


def _validity(vf: dt.date | None, vt: dt.date | None) -> str:
    if vf and vt:
        return f"hiệu lực {vf:%d/%m/%Y}–{vt:%d/%m/%Y}"
    if vf:
        return f"hiệu lực từ {vf:%d/%m/%Y}"
    if vt:
        return f"hiệu lực đến {vt:%d/%m/%Y}"
    return ""


# --- structure messages -----------------------------------------------------------------------------


def _header(extra: str = "") -> str:
    now = timezone.now().astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return (
        f"<message:Header><message:ID>IREF{uuid.uuid4().hex[:16].upper()}</message:ID><message:Test>false</message:Test>"
        f"<message:Prepared>{now}</message:Prepared>"
        f'<message:Sender id="{AGENCY}"><common:Name xml:lang="vi">Hệ thống thông tin báo cáo baocao</common:Name></message:Sender>'
        f"{extra}</message:Header>"
    )


def _names(vi: str, en: str = "") -> str:
    out = f'<common:Name xml:lang="vi">{escape(vi)}</common:Name>'
    if en:
        out += f'<common:Name xml:lang="en">{escape(en)}</common:Name>'
    return out


def _urn(kind: str, ident: str) -> str:
    pkg = {"Codelist": "codelist", "DataStructure": "datastructure", "DataFlow": "datastructure", "ConceptScheme": "conceptscheme"}[kind]
    return f"urn:sdmx:org.sdmx.infomodel.{pkg}.{kind}={AGENCY}:{ident}({VERSION})"


def _maintainable(tag: str, kind: str, ident: str, vi: str, en: str, body: str) -> str:
    return (
        f'<structure:{tag} id="{ident}" agencyID="{AGENCY}" version="{VERSION}" isFinal="false" urn="{_urn(kind, ident)}">'
        f"{_names(vi, en)}{body}</structure:{tag}>"
    )


def _code(ident: str, vi: str, en: str = "", desc: str = "") -> str:
    d = f'<common:Description xml:lang="vi">{escape(desc)}</common:Description>' if desc else ""
    return f'<structure:Code id={quoteattr(ident)}>{_names(vi, en)}{d}</structure:Code>'


def codelists(ref: Reference, only: set[str] | None = None) -> str:
    parts = []

    def add(ident: str, vi: str, en: str, codes: str) -> None:
        if only is None or ident in only:
            parts.append(_maintainable("Codelist", "Codelist", ident, vi, en, codes))

    add("CL_FREQ", "Tần suất", "Frequency", "".join(_code(k, *FREQ_NAMES[k]) for k in ("A", "S", "Q", "M")))
    add("CL_AREA", "Đơn vị hành chính", "Administrative areas", "".join(_code(u, n, "", v) for u, n, v in ref.areas))
    add("CL_INDICATOR", "Chỉ tiêu", "Indicators", "".join(_code(c, n, e) for c, n, e, _ in ref.indicators))
    add("CL_DISAGG", "Phân tổ", "Disaggregations", "".join(_code(c, n, e) for c, n, e in ref.disaggs))
    add("CL_UNIT", "Đơn vị tính", "Units of measure", "".join(_code(i, u) for u, i in sorted(ref.units.items(), key=lambda x: x[1])))
    add("CL_QUALIFIER", "Mức chính xác", "Qualifier", "".join(_code(k, *QUALIFIER_NAMES[k]) for k in ("EXACT", "APPROX", "AT_LEAST")))
    return f"<structure:Codelists>{''.join(parts)}</structure:Codelists>" if parts else ""


def concept_scheme() -> str:
    concepts = "".join(
        f'<structure:Concept id="{c}">{_names(*CONCEPT_NAMES[c])}</structure:Concept>' for c in CONCEPT_NAMES
    )
    return (
        "<structure:Concepts>"
        + _maintainable("ConceptScheme", "ConceptScheme", CONCEPTS, "Khái niệm của baocao", "baocao concepts", concepts)
        + "</structure:Concepts>"
    )


def _concept_ref(c: str) -> str:
    return (
        f'<structure:ConceptIdentity><Ref id="{c}" maintainableParentID="{CONCEPTS}" maintainableParentVersion="{VERSION}" '
        f'agencyID="{AGENCY}" package="conceptscheme" class="Concept"/></structure:ConceptIdentity>'
    )


def _enum(cl: str) -> str:
    return (
        f'<structure:LocalRepresentation><structure:Enumeration><Ref id="{cl}" version="{VERSION}" agencyID="{AGENCY}" '
        'package="codelist" class="Codelist"/></structure:Enumeration></structure:LocalRepresentation>'
    )


def data_structure() -> str:
    dims = ""
    for pos, (dim, cl) in enumerate(zip(DIMENSIONS, ("CL_FREQ", "CL_AREA", "CL_INDICATOR", "CL_DISAGG"), strict=True), 1):
        dims += f'<structure:Dimension id="{dim}" position="{pos}">{_concept_ref(dim)}{_enum(cl)}</structure:Dimension>'
    dims += (
        f'<structure:TimeDimension id="TIME_PERIOD" position="{len(DIMENSIONS) + 1}">{_concept_ref("TIME_PERIOD")}'
        '<structure:LocalRepresentation><structure:TextFormat textType="ObservationalTimePeriod"/></structure:LocalRepresentation>'
        "</structure:TimeDimension>"
    )
    attrs = (
        f'<structure:Attribute id="UNIT_MEASURE" assignmentStatus="Mandatory">{_concept_ref("UNIT_MEASURE")}{_enum("CL_UNIT")}'
        '<structure:AttributeRelationship><structure:Dimension><Ref id="INDICATOR"/></structure:Dimension>'
        "</structure:AttributeRelationship></structure:Attribute>"
        f'<structure:Attribute id="QUALIFIER" assignmentStatus="Conditional">{_concept_ref("QUALIFIER")}{_enum("CL_QUALIFIER")}'
        '<structure:AttributeRelationship><structure:PrimaryMeasure><Ref id="OBS_VALUE"/></structure:PrimaryMeasure>'
        "</structure:AttributeRelationship></structure:Attribute>"
    )
    measure = f'<structure:PrimaryMeasure id="OBS_VALUE">{_concept_ref("OBS_VALUE")}</structure:PrimaryMeasure>'
    body = (
        "<structure:DataStructureComponents>"
        f'<structure:DimensionList id="DimensionDescriptor">{dims}</structure:DimensionList>'
        f'<structure:AttributeList id="AttributeDescriptor">{attrs}</structure:AttributeList>'
        f'<structure:MeasureList id="MeasureDescriptor">{measure}</structure:MeasureList>'
        "</structure:DataStructureComponents>"
    )
    return (
        "<structure:DataStructures>"
        + _maintainable("DataStructure", "DataStructure", DSD, "Cấu trúc số liệu chỉ tiêu ngành TT&TT", "ICT indicator data structure", body)
        + "</structure:DataStructures>"
    )


def dataflow() -> str:
    body = (
        f'<structure:Structure><Ref id="{DSD}" version="{VERSION}" agencyID="{AGENCY}" package="datastructure" '
        'class="DataStructure"/></structure:Structure>'
    )
    return (
        "<structure:Dataflows>"
        + _maintainable("Dataflow", "DataFlow", FLOW, "Số liệu chỉ tiêu ngành thông tin và truyền thông", "ICT sector indicators", body)
        + "</structure:Dataflows>"
    )


RESOURCES = ("dataflow", "datastructure", "codelist", "conceptscheme")


def structure_message(resource: str, agency: str = "all", ident: str = "all", version: str = "latest", references: str = "none") -> str:
    """A structure message for an SDMX REST structure query (``references``: none, children, descendants, all)."""
    if resource not in RESOURCES:
        raise SdmxError(f"Loại cấu trúc “{resource}” không có (chọn: {', '.join(RESOURCES)})", 404)
    if agency not in ("all", AGENCY) or version not in ("latest", "all", "*", VERSION, "~"):
        raise SdmxError("Không có cấu trúc phù hợp (cơ quan BAOCAO, phiên bản 1.0)", 404)
    references = (references or "none").lower()
    if references not in ("none", "parents", "parentsandsiblings", "children", "descendants", "all"):
        raise SdmxError(f"references “{references}” không hợp lệ")
    down = references in ("children", "descendants", "all")
    ids = None if ident in ("all", "*") else set(ident.split("+"))
    wanted: dict[str, Any] = {"dataflow": False, "datastructure": False, "concepts": False, "codelists": None}
    if resource == "dataflow":
        if ids is not None and FLOW not in ids:
            raise SdmxError(f"Không có dataflow “{ident}” (có: {FLOW})", 404)
        wanted["dataflow"] = True
        if down:
            wanted["datastructure"] = True
            if references in ("descendants", "all"):
                wanted["concepts"], wanted["codelists"] = True, set(CODELISTS)
    elif resource == "datastructure":
        if ids is not None and DSD not in ids:
            raise SdmxError(f"Không có cấu trúc “{ident}” (có: {DSD})", 404)
        wanted["datastructure"] = True
        if references in ("parents", "parentsandsiblings", "all"):
            wanted["dataflow"] = True
        if down:
            wanted["concepts"], wanted["codelists"] = True, set(CODELISTS)
    elif resource == "codelist":
        chosen = set(CODELISTS) if ids is None else ids & set(CODELISTS)
        if not chosen:
            raise SdmxError(f"Không có codelist “{ident}” (có: {', '.join(CODELISTS)})", 404)
        wanted["codelists"] = chosen
    else:
        if ids is not None and CONCEPTS not in ids:
            raise SdmxError(f"Không có concept scheme “{ident}” (có: {CONCEPTS})", 404)
        wanted["concepts"] = True
    parts = []
    if wanted["dataflow"]:
        parts.append(dataflow())
    if wanted["codelists"]:
        parts.append(codelists(Reference.load(), wanted["codelists"]))
    if wanted["concepts"]:
        parts.append(concept_scheme())
    if wanted["datastructure"]:
        parts.append(data_structure())
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<message:Structure xmlns:message="{NS_MESSAGE}" xmlns:structure="{NS_STRUCTURE}" xmlns:common="{NS_COMMON}">'
        f"{_header()}<message:Structures>{''.join(parts)}</message:Structures></message:Structure>"
    )


# --- data queries -----------------------------------------------------------------------------------


@dataclass
class DataQuery:
    freq: list[str]
    areas: list[str]
    indicators: list[str]
    disaggs: list[str]
    start: dt.date | None = None
    end: dt.date | None = None
    all_dimensions: bool = False


def parse_flow(flow: str) -> None:
    parts = [p.strip() for p in flow.split(",")]
    ok = (
        (len(parts) == 1 and parts[0] in (FLOW, "all"))
        or (len(parts) in (2, 3) and parts[0] in (AGENCY, "all") and parts[1] == FLOW
            and (len(parts) == 2 or parts[2] in (VERSION, "latest")))
    )  # fmt: skip
    if not ok:
        raise SdmxError(f"Không có dataflow “{flow}” (có: {AGENCY},{FLOW},{VERSION})", 404)


def parse_query(key: str | None, start: str | None, end: str | None, dim_at_obs: str | None) -> DataQuery:
    key = (key or "all").strip()
    if key in ("all", ""):
        parts = ["", "", "", ""]
    else:
        parts = key.split(".")
        if len(parts) != len(DIMENSIONS):
            raise SdmxError(f"Khóa “{key}” phải có {len(DIMENSIONS)} phần cách nhau bởi dấu chấm: {'.'.join(DIMENSIONS)}")
    values = [[v for v in p.split("+") if v] for p in parts]
    for f in values[0]:
        if f not in TYPE_OF:
            raise SdmxError(f"FREQ “{f}” không có (chọn: A, S, Q, M)")
    obs = (dim_at_obs or "TIME_PERIOD").strip()
    if obs not in ("TIME_PERIOD", "AllDimensions"):
        raise SdmxError(f"dimensionAtObservation “{obs}” không được hỗ trợ (TIME_PERIOD hoặc AllDimensions)")
    return DataQuery(
        values[0], values[1], values[2], values[3],
        _bound(start, False) if start else None, _bound(end, True) if end else None, obs == "AllDimensions",
    )


def data_queryset(q: DataQuery, user: Any) -> Any:
    from baocao.datavalues.models import DataValue
    from baocao.reporting.services import visible_areas

    from .services import _descendants

    qs = DataValue.objects.filter(period_type__in=[TYPE_OF[f] for f in q.freq] if q.freq else list(FREQ_OF))
    if q.areas:
        qs = qs.filter(area__uid__in=q.areas)
    if q.indicators:
        qs = qs.filter(indicator__code__in=q.indicators)
    if q.disaggs:
        qs = qs.filter(disagg__in=["" if d == TOTAL else d for d in q.disaggs])
    if q.start:
        qs = qs.filter(period_start__gte=q.start)
    if q.end:
        qs = qs.filter(period_end__lte=q.end)
    visible = visible_areas(user)
    if visible is not None:
        qs = qs.filter(area_id__in=_descendants(set(visible)))
    return qs.order_by("indicator__code", "area__uid", "disagg", "period_type", "period_start")


def _num(d: Decimal) -> str:
    d = Decimal(d)
    if d == d.to_integral_value():
        return str(d.quantize(Decimal(1)))
    return format(d.normalize(), "f")


Obs = tuple[str, str, str, str, str, str, str, str]  # freq, area, indicator, disagg, time, value, unit, qualifier


def observations(qs: Any) -> Iterator[Obs]:
    from baocao.catalog.models import Indicator

    ids = unit_ids()
    units = {c: ids[u] for c, u in Indicator.objects.values_list("code", "unit")}
    for code, uid, disagg, ptype, period, value, qualifier in qs.values_list(
        "indicator__code", "area__uid", "disagg", "period_type", "period", "value", "qualifier"
    ).iterator(chunk_size=5000):
        yield (
            FREQ_OF[ptype], uid, code, disagg or TOTAL, sdmx_period(period, ptype) or period, _num(value),
            units.get(code, "UNIT"), QUALIFIER_CODES.get(qualifier, "EXACT"),
        )


def unit_ids() -> dict[str, str]:
    """Unit text → CL_UNIT code (folded, upper case, unique)."""
    from baocao.catalog.models import Indicator

    ids: dict[str, str] = {}
    used: set[str] = set()
    for unit in sorted(set(Indicator.objects.values_list("unit", flat=True))):
        base = _unit_id(unit)
        uid, n = base, 2
        while uid in used:
            uid, n = f"{base}_{n}", n + 1
        used.add(uid)
        ids[unit] = uid
    return ids


def _chunks(parts: Iterator[str]) -> Iterator[bytes]:
    buf: list[str] = []
    size = 0
    for p in parts:
        buf.append(p)
        size += len(p)
        if size > 65536:
            yield "".join(buf).encode()
            buf, size = [], 0
    if buf:
        yield "".join(buf).encode()


def _data_header(ss: bool, all_dims: bool) -> str:
    obs_dim = "AllDimensions" if all_dims else "TIME_PERIOD"
    ns = f' namespace="{_ss_namespace(all_dims)}"' if ss else ""
    return _header(
        f'<message:Structure structureID="{FLOW}"{ns} dimensionAtObservation="{obs_dim}">'
        f'<common:Structure><Ref agencyID="{AGENCY}" id="{DSD}" version="{VERSION}"/></common:Structure>'
        "</message:Structure>"
    )


def _ss_namespace(all_dims: bool) -> str:
    level = "ObsLevelDim:AllDimensions" if all_dims else "ObsLevelDim:TIME_PERIOD"
    return f"urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure={AGENCY}:{DSD}({VERSION}):{level}"


def generic(obs: Iterator[Obs], all_dims: bool = False) -> Iterator[bytes]:
    """SDMX-ML 2.1 Generic data message."""

    def parts() -> Iterator[str]:
        yield (
            f'<?xml version="1.0" encoding="UTF-8"?><message:GenericData xmlns:message="{NS_MESSAGE}" '
            f'xmlns:generic="{NS_GENERIC}" xmlns:common="{NS_COMMON}">'
        )
        yield _data_header(False, all_dims)
        yield f'<message:DataSet structureRef="{FLOW}">'
        current = None
        for f, a, i, d, t, v, u, q in obs:
            if all_dims:
                yield (
                    f'<generic:Obs><generic:ObsKey><generic:Value id="FREQ" value="{f}"/><generic:Value id="REF_AREA" value={quoteattr(a)}/>'
                    f'<generic:Value id="INDICATOR" value={quoteattr(i)}/><generic:Value id="DISAGG" value={quoteattr(d)}/>'
                    f'<generic:Value id="TIME_PERIOD" value="{t}"/></generic:ObsKey><generic:ObsValue value="{v}"/>'
                    f'<generic:Attributes><generic:Value id="UNIT_MEASURE" value={quoteattr(u)}/>'
                    f'<generic:Value id="QUALIFIER" value="{q}"/></generic:Attributes></generic:Obs>'
                )
                continue
            key = (f, a, i, d)
            if key != current:
                if current is not None:
                    yield "</generic:Series>"
                current = key
                yield (
                    f'<generic:Series><generic:SeriesKey><generic:Value id="FREQ" value="{f}"/>'
                    f'<generic:Value id="REF_AREA" value={quoteattr(a)}/><generic:Value id="INDICATOR" value={quoteattr(i)}/>'
                    f'<generic:Value id="DISAGG" value={quoteattr(d)}/></generic:SeriesKey>'
                    f'<generic:Attributes><generic:Value id="UNIT_MEASURE" value={quoteattr(u)}/></generic:Attributes>'
                )
            yield (
                f'<generic:Obs><generic:ObsDimension value="{t}"/><generic:ObsValue value="{v}"/>'
                f'<generic:Attributes><generic:Value id="QUALIFIER" value="{q}"/></generic:Attributes></generic:Obs>'
            )
        if current is not None:
            yield "</generic:Series>"
        yield "</message:DataSet></message:GenericData>"

    return _chunks(parts())


def structure_specific(obs: Iterator[Obs], all_dims: bool = False) -> Iterator[bytes]:
    """SDMX-ML 2.1 StructureSpecific data message."""

    def parts() -> Iterator[str]:
        yield (
            f'<?xml version="1.0" encoding="UTF-8"?><message:StructureSpecificData xmlns:message="{NS_MESSAGE}" '
            f'xmlns:ss="{NS_SS}" xmlns:common="{NS_COMMON}" xmlns:xsi="{NS_XSI}" xmlns:ns1="{_ss_namespace(all_dims)}">'
        )
        yield _data_header(True, all_dims)
        yield f'<message:DataSet ss:structureRef="{FLOW}" xsi:type="ns1:DataSetType" ss:dataScope="DataStructure">'
        current = None
        for f, a, i, d, t, v, u, q in obs:
            if all_dims:
                yield (
                    f'<Obs FREQ="{f}" REF_AREA={quoteattr(a)} INDICATOR={quoteattr(i)} DISAGG={quoteattr(d)} '
                    f'TIME_PERIOD="{t}" OBS_VALUE="{v}" UNIT_MEASURE={quoteattr(u)} QUALIFIER="{q}"/>'
                )
                continue
            key = (f, a, i, d)
            if key != current:
                if current is not None:
                    yield "</Series>"
                current = key
                yield f'<Series FREQ="{f}" REF_AREA={quoteattr(a)} INDICATOR={quoteattr(i)} DISAGG={quoteattr(d)} UNIT_MEASURE={quoteattr(u)}>'
            yield f'<Obs TIME_PERIOD="{t}" OBS_VALUE="{v}" QUALIFIER="{q}"/>'
        if current is not None:
            yield "</Series>"
        yield "</message:DataSet></message:StructureSpecificData>"

    return _chunks(parts())


def sdmx_json(obs: Iterator[Obs]) -> Iterator[bytes]:
    """SDMX-JSON 1.0 data message (series keyed by dimension indices; structure written last)."""

    def parts() -> Iterator[str]:
        now = timezone.now().astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        header = {"id": f"IREF{uuid.uuid4().hex[:16].upper()}", "test": False, "prepared": now,
                  "sender": {"id": AGENCY, "name": "baocao"}}
        yield '{"header":' + json.dumps(header) + ',"dataSets":[{"action":"Information","series":{'
        index: list[dict[str, int]] = [{} for _ in range(4)]
        times: dict[str, int] = {}
        units: dict[str, int] = {}
        quals: dict[str, int] = {}
        current = None
        first_series = True
        first_obs = True
        for f, a, i, d, t, v, u, q in obs:
            key = (f, a, i, d)
            if key != current:
                if current is not None:
                    yield "}}"
                current = key
                k = ":".join(str(index[n].setdefault(x, len(index[n]))) for n, x in enumerate(key))
                ui = units.setdefault(u, len(units))
                yield ("" if first_series else ",") + f'"{k}":{{"attributes":[{ui}],"observations":{{'
                first_series = False
                first_obs = True
            ti = times.setdefault(t, len(times))
            qi = quals.setdefault(q, len(quals))
            yield ("" if first_obs else ",") + f'"{ti}":[{v},{qi}]'
            first_obs = False
        if current is not None:
            yield "}}"
        dims = []
        for pos, dim in enumerate(DIMENSIONS):
            dims.append({"id": dim, "name": CONCEPT_NAMES[dim][1], "keyPosition": pos,
                         "values": [{"id": x, "name": x} for x in index[pos]]})
        structure = {
            "name": "ICT sector indicators",
            "dimensions": {
                "dataSet": [], "series": dims,
                "observation": [{"id": "TIME_PERIOD", "name": "Time period", "keyPosition": len(DIMENSIONS), "role": "time",
                                 "values": [{"id": x, "name": x} for x in times]}],
            },
            "attributes": {
                "dataSet": [],
                "series": [{"id": "UNIT_MEASURE", "name": "Unit of measure", "values": [{"id": x, "name": x} for x in units]}],
                "observation": [{"id": "QUALIFIER", "name": "Qualifier", "values": [{"id": x, "name": x} for x in quals]}],
            },
        }
        yield '}}],"structure":' + json.dumps(structure, ensure_ascii=False) + "}"

    return _chunks(parts())


FORMATS = {
    "genericdata": GENERIC, "generic": GENERIC, "structurespecificdata": STRUCTURE_SPECIFIC,
    "structurespecific": STRUCTURE_SPECIFIC, "jsondata": SDMX_JSON, "json": SDMX_JSON, "sdmx-json": SDMX_JSON,
}  # fmt: skip


def choose_format(fmt: str | None, accept: str | None) -> str:
    """The data media type from ``format=`` or the Accept header (default: Generic)."""
    if fmt:
        chosen = FORMATS.get(fmt.strip().lower())
        if chosen is None:
            raise SdmxError(f"format “{fmt}” không hợp lệ (genericdata, structurespecificdata, jsondata)", 406)
        return chosen
    for part in (accept or "").split(","):
        v = part.split(";")[0].strip().lower()
        if v == "application/vnd.sdmx.structurespecificdata+xml":
            return STRUCTURE_SPECIFIC
        if v in ("application/vnd.sdmx.data+json", "application/json"):
            return SDMX_JSON
        if v in ("application/vnd.sdmx.genericdata+xml", "application/xml", "text/xml", "*/*", ""):
            return GENERIC
    return GENERIC


def render(media: str, obs: Iterator[Obs], all_dims: bool) -> Iterator[bytes]:
    if media == STRUCTURE_SPECIFIC:
        return structure_specific(obs, all_dims)
    if media == SDMX_JSON:
        return sdmx_json(obs)
    return generic(obs, all_dims)
