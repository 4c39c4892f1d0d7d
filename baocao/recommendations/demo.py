"""Deterministic demo data: four quarterly briefing sessions with recommendations and directives in every state.

Everything goes through ``services`` (as the system actor), so the demo also exercises the rules.
Dates are laid out backwards from ``today`` (the briefing of each of the last four quarters, on the
15th of the month after the quarter, moved to a working day), so that the same day always gives the
same data and every state is present: received, assigned (some overdue), answered, published,
declined (out of competence, duplicate); directives assigned, in progress (some overdue), done, cancelled.
The wording is written for this demo.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from baocao.catalog.models import Domain
from baocao.orgs.models import Organisation, OrgKind

from . import services as s
from .models import (
    Assignment,
    BriefingSession,
    Directive,
    Recommendation,
    RecommendationEvent,
    SenderType,
)

DEMO_MARK = {"demo": "baocao demo_recommendations"}
ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
PROVINCES = ["Cao Bằng", "Lạng Sơn", "Thái Nguyên", "Hà Nội", "Huế", "Đà Nẵng", "Gia Lai", "Cần Thơ", "Hồ Chí Minh", "An Giang"]


@dataclass
class Item:
    """One demo recommendation and how far it goes.

    ``stage``: received, assigned, answered, published, declined, duplicate. ``answer_after`` is the
    number of calendar days from receipt to the answer (late when beyond the due date).
    """

    title: str
    text: str
    domain: str
    unit: str
    stage: str
    answer: str = ""
    answer_after: int = 12
    sender: str = "department"  # department (index in PROVINCES via ``province``), enterprise uid, citizen/organisation name
    province: int = 0
    sender_name: str = ""
    co_units: list[str] = field(default_factory=list)


# Session index 0 is the oldest briefing, 3 the latest.
SESSION_ITEMS: dict[int, list[Item]] = {
    0: [
        Item(
            "Hướng dẫn định mức thuê dịch vụ trung tâm dữ liệu",
            "Địa phương chưa có căn cứ lập dự toán khi thuê dịch vụ trung tâm dữ liệu và điện toán đám mây. "
            "Đề nghị Bộ ban hành hướng dẫn định mức kinh tế - kỹ thuật cho loại dịch vụ này.",
            "it_app", "Cục Chuyển đổi số quốc gia", "published",
            "Bộ đang hoàn thiện dự thảo hướng dẫn định mức thuê dịch vụ trung tâm dữ liệu, dự kiến lấy ý kiến các địa phương trong quý tới. "
            "Trong thời gian chờ, Sở có thể tham khảo báo giá của ít nhất ba nhà cung cấp đã được đánh giá, chứng nhận.",
            10, province=2,
        ),
        Item(
            "Rút ngắn thời gian cấp chứng thư số cho cán bộ cấp xã sau sắp xếp",
            "Sau khi sắp xếp đơn vị hành chính cấp xã, nhiều cán bộ thay đổi chức danh nên phải cấp mới hoặc thu hồi chứng thư số. "
            "Đề nghị Bộ phối hợp với Ban Cơ yếu Chính phủ rút ngắn thời gian xử lý hồ sơ chữ ký số chuyên dùng.",
            "digital", "Cục Chuyển đổi số quốc gia", "published",
            "Bộ đã trao đổi với Ban Cơ yếu Chính phủ; hồ sơ đề nghị cấp mới, thu hồi chứng thư số của cán bộ cấp xã sau sắp xếp "
            "được ưu tiên xử lý trong 03 ngày làm việc khi Sở gửi tập trung qua hệ thống quản lý chứng thư số.",
            8, province=0,
        ),
        Item(
            "Chứng thư số cho cán bộ xã (nêu lại trong báo cáo quý)",
            "Nhắc lại đề nghị rút ngắn thời gian cấp chứng thư số cho cán bộ cấp xã sau sắp xếp đơn vị hành chính.",
            "digital", "", "duplicate", province=0,
        ),
        Item(
            "Hỗ trợ kinh phí nâng cấp đài truyền thanh cấp xã",
            "Đề nghị Bộ hỗ trợ kinh phí chuyển đổi đài truyền thanh cấp xã sang truyền thanh ứng dụng công nghệ thông tin - viễn thông.",
            "press", "", "declined", province=6,
        ),
        Item(
            "Số liệu thuê bao theo địa giới xã, phường mới",
            "Doanh nghiệp viễn thông vẫn báo cáo thuê bao và trạm phát sóng theo địa giới cũ. Đề nghị Bộ chỉ đạo doanh nghiệp "
            "cung cấp số liệu theo xã, phường mới để Sở tổng hợp báo cáo định kỳ.",
            "telecom", "Cục Viễn thông", "answered",
            "Cục Viễn thông đã có văn bản đề nghị các doanh nghiệp cập nhật mã xã, phường mới trong hệ thống báo cáo từ kỳ báo cáo tháng tới.",
            20, province=1, co_units=["Cục Thông tin, Thống kê"],
        ),
    ],
    1: [
        Item(
            "Đưa thôn, bản vùng lõm sóng vào chương trình viễn thông công ích",
            "Trên địa bàn tỉnh còn một số thôn, bản chưa có sóng điện thoại di động. Đề nghị Bộ đưa các điểm này vào "
            "Chương trình cung cấp dịch vụ viễn thông công ích giai đoạn tới.",
            "telecom", "Cục Viễn thông", "published",
            "Danh sách thôn, bản do Sở đề xuất đã được tổng hợp vào dự thảo danh mục hỗ trợ của Chương trình; "
            "Cục Viễn thông sẽ thông báo kết quả phê duyệt để Sở phối hợp với doanh nghiệp triển khai.",
            25, province=0,
        ),
        Item(
            "Duy trì điểm phục vụ bưu chính tại trụ sở xã cũ",
            "Sau hợp nhất xã, người dân ở xa trụ sở mới. Đề nghị Bộ hướng dẫn việc duy trì điểm phục vụ bưu chính tại trụ sở xã cũ "
            "để tiếp tục nhận, trả hồ sơ thủ tục hành chính qua dịch vụ bưu chính công ích.",
            "postal", "Vụ Bưu chính", "published",
            "Doanh nghiệp được chỉ định cung ứng dịch vụ bưu chính công ích tiếp tục duy trì điểm phục vụ tại trụ sở xã cũ "
            "ít nhất đến hết năm; việc điều chỉnh mạng điểm phục vụ phải lấy ý kiến Ủy ban nhân dân cấp tỉnh.",
            9, province=3,
        ),
        Item(
            "Thủ tục cấp phép tần số cho mạng vô tuyến phòng chống thiên tai",
            "Tỉnh chuẩn bị lắp đặt mạng vô tuyến điện phục vụ phòng chống thiên tai. Đề nghị Bộ hướng dẫn thủ tục cấp phép tần số "
            "và miễn, giảm phí cho mạng chuyên dùng này.",
            "telecom", "Cục Tần số vô tuyến điện", "answered",
            "Cục Tần số vô tuyến điện hướng dẫn hồ sơ cấp phép theo thủ tục mạng dùng riêng; mạng phục vụ phòng chống thiên tai "
            "thuộc diện được miễn phí sử dụng tần số theo quy định hiện hành.",
            11, province=7,
        ),
        Item(
            "Phương pháp tính tỷ trọng kinh tế số trong GRDP cấp tỉnh",
            "Đề nghị Bộ sớm ban hành phương pháp tính tỷ trọng kinh tế số trong tổng sản phẩm trên địa bàn để thống nhất số liệu giữa các tỉnh.",
            "digital", "Vụ Kinh tế và Xã hội số", "assigned", province=5, co_units=["Cục Thông tin, Thống kê"],
        ),
    ],
    2: [
        Item(
            "Kết nối nền tảng tích hợp, chia sẻ dữ liệu cấp tỉnh với nền tảng quốc gia",
            "Sau khi thay đổi tên miền, nền tảng tích hợp, chia sẻ dữ liệu của tỉnh bị gián đoạn kết nối với nền tảng quốc gia. "
            "Đề nghị Bộ hỗ trợ kỹ thuật để khôi phục kết nối.",
            "it_app", "Cục Chuyển đổi số quốc gia", "published",
            "Cục Chuyển đổi số quốc gia đã cấp lại chứng thư kết nối cho nền tảng của tỉnh; kết nối hoạt động trở lại. "
            "Đề nghị Sở thông báo trước khi thay đổi tên miền hoặc địa chỉ máy chủ.",
            5, province=4,
        ),
        Item(
            "Mẫu báo cáo định kỳ về an toàn thông tin mạng",
            "Nhiều cơ quan đề nghị Sở báo cáo số liệu an toàn thông tin với mẫu khác nhau. Đề nghị thống nhất một mẫu báo cáo định kỳ.",
            "infosec", "Cục Chuyển đổi số quốc gia", "answered",
            "Bộ sẽ đưa các chỉ tiêu an toàn thông tin vào biểu mẫu báo cáo định kỳ chung, áp dụng từ kỳ báo cáo năm.",
            30, province=8,
        ),
        Item(
            "Tài liệu tập huấn cho tổ công nghệ số cộng đồng",
            "Đề nghị Bộ biên soạn bộ tài liệu tập huấn kỹ năng số thống nhất cho tổ công nghệ số cộng đồng tại các xã, phường mới.",
            "digital", "Vụ Kinh tế và Xã hội số", "assigned", province=9,
        ),
    ],
    3: [
        Item(
            "Hướng dẫn đánh giá mức độ chuyển đổi số cấp xã",
            "Bộ chỉ số đánh giá chuyển đổi số cấp xã chưa phù hợp với mô hình chính quyền hai cấp. Đề nghị Bộ hướng dẫn điều chỉnh.",
            "digital", "Cục Chuyển đổi số quốc gia", "assigned", province=1,
        ),
        Item(
            "Hạ tầng cáp quang cho trạm y tế xã",
            "Đề nghị Bộ chỉ đạo doanh nghiệp viễn thông ưu tiên kéo cáp quang đến các trạm y tế xã chưa có Internet băng rộng cố định.",
            "telecom", "Cục Viễn thông", "received", province=6,
        ),
        Item(
            "Chia sẻ số liệu cấp phép bưu chính cho địa phương",
            "Đề nghị Bộ chia sẻ danh sách doanh nghiệp được cấp giấy phép bưu chính có hoạt động trên địa bàn tỉnh.",
            "postal", "Vụ Bưu chính", "answered",
            "Danh sách doanh nghiệp được cấp phép bưu chính được cập nhật hằng tháng trên cổng thông tin của Bộ; Sở có thể khai thác trực tiếp.",
            4, province=2,
        ),
    ],
}

OTHER_ITEMS: list[Item] = [
    Item(
        "Điều chỉnh quy định chiều cao cột ăng-ten không cồng kềnh",
        "Thiết bị 5G cần vị trí lắp đặt cao hơn; đề nghị Bộ xem xét điều chỉnh quy định về chiều cao cột ăng-ten không cồng kềnh "
        "lắp đặt trên công trình xây dựng.",
        "telecom", "Cục Viễn thông", "published",
        "Bộ đã đưa nội dung này vào kế hoạch sửa đổi quy chuẩn kỹ thuật về cột ăng-ten; dự thảo sẽ được công bố để lấy ý kiến doanh nghiệp.",
        18, sender="DN-VIETTEL",
    ),
    Item(
        "Giá thuê cột điện để treo cáp viễn thông",
        "Giá thuê cột điện để treo cáp viễn thông khác nhau giữa các địa phương. Đề nghị Bộ phối hợp hướng dẫn nguyên tắc xác định giá thuê.",
        "telecom", "Cục Viễn thông", "assigned", sender="DN-VNPT",
    ),
    Item(
        "Thời hạn đối soát sản lượng bưu chính công ích",
        "Đề nghị kéo dài thời hạn đối soát sản lượng dịch vụ bưu chính công ích hằng quý thêm 05 ngày làm việc.",
        "postal", "Vụ Bưu chính", "answered",
        "Vụ Bưu chính đồng ý kéo dài thời hạn đối soát thêm 05 ngày làm việc kể từ quý tới.", 7, sender="DN-VNPOST",
    ),
    Item(
        "Sóng di động yếu tại khu tái định cư",
        "Khu tái định cư nơi tôi ở sóng điện thoại di động rất yếu, nhất là trong nhà. Đề nghị cơ quan chức năng kiểm tra, bổ sung trạm phát sóng.",
        "telecom", "Cục Viễn thông", "published",
        "Cục Viễn thông đã yêu cầu doanh nghiệp đo kiểm chất lượng sóng tại khu tái định cư; doanh nghiệp cam kết lắp bổ sung trạm phát sóng.",
        16, sender="citizen", sender_name="Hoàng Văn Tùng",
    ),
    Item(
        "Tin nhắn quảng cáo không mong muốn",
        "Tôi thường xuyên nhận tin nhắn quảng cáo dù đã đăng ký từ chối. Đề nghị xử lý doanh nghiệp gửi tin nhắn rác.",
        "telecom", "Cục Viễn thông", "received", sender="citizen", sender_name="Đỗ Thị Hạnh",
    ),
    Item(
        "Tiêu chí đánh giá sản phẩm phần mềm sản xuất trong nước",
        "Đề nghị Bộ công bố tiêu chí đánh giá sản phẩm phần mềm sản xuất trong nước để doanh nghiệp hội viên có căn cứ đăng ký.",
        "it_app", "Cục Công nghiệp công nghệ thông tin", "assigned",
        sender="organisation", sender_name="Hội Tin học tỉnh (dữ liệu mẫu)",
    ),
]

# (title, assignee spec, stage, percent); assignee spec: "dept:<province index>", a unit name or an enterprise uid.
SESSION_DIRECTIVES: dict[int, list[tuple[str, list[str], str, int]]] = {
    0: [
        ("Rà soát, cập nhật danh sách điểm phục vụ bưu chính sau sắp xếp đơn vị hành chính cấp xã", ["dept:0", "dept:3", "DN-VNPOST"], "done", 100),
        ("Tổng hợp danh sách thôn, bản chưa có sóng điện thoại di động", ["Cục Viễn thông"], "done", 100),
        ("Hướng dẫn kỹ thuật kết nối nền tảng tích hợp, chia sẻ dữ liệu cấp tỉnh", ["Cục Chuyển đổi số quốc gia"], "cancelled", 30),
    ],
    1: [
        ("Hoàn thành báo cáo số liệu thuê bao theo địa giới xã, phường mới", ["dept:1", "dept:2", "dept:7"], "in_progress", 60),
        ("Xác minh danh sách hộ nghèo, hộ cận nghèo được hỗ trợ đầu thu truyền hình số", ["dept:0", "dept:6"], "done", 100),
    ],
    2: [
        ("Rà soát việc kết nối hệ thống quản lý văn bản với trục liên thông văn bản quốc gia", ["dept:4", "dept:8"], "in_progress", 40),
        ("Đánh giá, phê duyệt cấp độ an toàn hệ thống thông tin dùng chung của tỉnh", ["dept:5", "dept:9"], "assigned", 0),
    ],
    3: [
        ("Kiện toàn tổ công nghệ số cộng đồng tại các xã, phường mới", ["dept:1", "dept:6", "dept:9"], "assigned", 0),
        ("Báo cáo tiến độ phát triển trạm phát sóng 5G trên địa bàn", ["DN-VIETTEL", "DN-VNPT", "DN-MOBIFONE"], "in_progress", 20),
    ],
}


def _working(day: dt.date) -> dt.date:
    return s.add_working_days(day, 0)


def session_dates(today: dt.date) -> list[dt.date]:
    """The briefing of each of the last four quarters (15th of the month after the quarter), oldest first."""
    out: list[dt.date] = []
    y, q = today.year, (today.month - 1) // 3 + 1
    while len(out) < 4:
        q -= 1
        if q == 0:
            y, q = y - 1, 4
        ny, nm = (y, 3 * q + 1) if q < 4 else (y + 1, 1)
        day = _working(dt.date(ny, nm, 15))
        if day <= today:
            out.append(day)
    return sorted(out)


def _quarter_label(day: dt.date) -> str:
    y, q = (day.year, (day.month - 1) // 3) if day.month > 3 else (day.year - 1, 4)
    return f"quý {ROMAN[q]}/{y}"


class Demo:
    def __init__(self, today: dt.date) -> None:
        self.today = today
        self.counts = {"sessions": 0, "recommendations": 0, "directives": 0}

    def unit(self, name: str, day: dt.date, domain: str | None = None) -> Organisation | None:
        units = Organisation.objects.filter(kind=OrgKind.MINISTRY_UNIT)
        return (
            units.filter(name=name).valid_on(day).first()
            or (units.filter(domains__code=domain).valid_on(day).order_by("uid").first() if domain else None)
            or units.valid_on(day).order_by("uid").first()
            or units.order_by("uid").first()
        )

    def department(self, index: int, day: dt.date) -> Organisation | None:
        depts = Organisation.objects.filter(kind=OrgKind.DEPARTMENT).valid_on(day)
        name = PROVINCES[index % len(PROVINCES)]
        found = (
            depts.filter(area__name=name, domains__code="digital").order_by("uid").first()
            or depts.filter(area__name=name).order_by("uid").first()
        )
        if found is None and depts.exists():
            found = depts.order_by("uid")[index % depts.count()]
        return found

    def assignee(self, spec: str, day: dt.date) -> Organisation | None:
        if spec.startswith("dept:"):
            return self.department(int(spec[5:]), day)
        return Organisation.objects.filter(uid=spec).first() or self.unit(spec, day)

    def _backdate(self, rec: Recommendation, assigned_on: dt.date | None) -> None:
        """Events and assignments carry the demo's dates rather than the time the command ran."""
        when = {
            RecommendationEvent.Action.CREATED: rec.received_on,
            RecommendationEvent.Action.ASSIGNED: assigned_on,
            RecommendationEvent.Action.ANSWERED: rec.answered_on,
            RecommendationEvent.Action.PUBLISHED: rec.published_on,
            RecommendationEvent.Action.DECLINED: rec.resolved_on,
        }
        for ev in rec.events.all():
            day = when.get(ev.action)
            if day:
                RecommendationEvent.objects.filter(pk=ev.pk).update(at=s._noon(day))
        if assigned_on:
            Assignment.objects.filter(recommendation=rec).update(assigned_at=s._noon(assigned_on))

    def recommendation(self, item: Item, received: dt.date, session: BriefingSession | None, originals: dict) -> Recommendation | None:
        domain = Domain.objects.filter(code=item.domain).first()
        data = s.NewRecommendation(title=item.title, text=item.text, domain=domain, session=session, received_on=received, source=DEMO_MARK)
        if item.sender == "department":
            org = self.department(item.province, received)
            if org is None:
                return None
            data.sender_type, data.sender_org = SenderType.DEPARTMENT, org
        elif item.sender in ("citizen", "organisation"):
            data.sender_type, data.sender_name = item.sender, item.sender_name
        else:
            org = Organisation.objects.filter(uid=item.sender).first()
            if org is None:
                return None
            data.sender_type, data.sender_org = SenderType.ENTERPRISE, org
        rec = s.create_recommendation(s.SYSTEM, data)
        assigned_on = None
        if item.stage == "duplicate" and originals.get(item.province) is not None:
            original = originals[item.province]
            s.decline(s.SYSTEM, rec, "duplicate", "Nội dung đã được tiếp nhận và trả lời.", duplicate_of=original, declined_on=min(received + dt.timedelta(days=2), self.today))
        elif item.stage in ("declined", "duplicate"):
            s.decline(
                s.SYSTEM, rec, "out_of_competence",
                "Nội dung thuộc phạm vi quản lý của Bộ Văn hóa, Thể thao và Du lịch; đề nghị Sở gửi kiến nghị đến Bộ này.",
                declined_on=min(received + dt.timedelta(days=3), self.today),
            )
        elif item.stage != "received":
            lead = self.unit(item.unit, received, item.domain)
            co = [u.pk for u in (self.unit(n, received) for n in item.co_units) if u and lead and u.pk != lead.pk]
            assigned_on = min(s.add_working_days(received, 1), self.today)
            s.assign(s.SYSTEM, rec, lead.pk, co)
            rec.refresh_from_db()
            answered_on = received + dt.timedelta(days=item.answer_after)
            if item.stage in ("answered", "published") and answered_on <= self.today:
                s.answer(s.SYSTEM, rec, item.answer, answered_on=answered_on)
                published_on = answered_on + dt.timedelta(days=4)
                if item.stage == "published" and published_on <= self.today:
                    s.publish(s.SYSTEM, rec, published_on=published_on)
        rec.refresh_from_db()
        self._backdate(rec, assigned_on)
        if item.sender == "department" and item.stage in ("published", "answered") and item.province not in originals:
            originals[item.province] = rec
        self.counts["recommendations"] += 1
        return rec

    def directive(self, session: BriefingSession, spec: tuple[str, list[str], str, int]) -> Directive | None:
        title, who, stage, percent = spec
        orgs = [o.pk for o in (self.assignee(x, session.date) for x in who) if o]
        if not orgs:
            return None
        d = s.create_directive(
            s.SYSTEM, title, session.chair, orgs, given_on=session.date, leader_title=session.chair_title,
            session=session, meeting=session.title, source=DEMO_MARK,
        )
        d.refresh_from_db()
        span = max(1, (min(d.due_on, self.today) - d.given_on).days)
        if stage in ("in_progress", "done", "cancelled") and percent:
            first = min(d.given_on + dt.timedelta(days=span // 3), self.today)
            s.report_progress(s.SYSTEM, d, min(percent, 50) if stage == "done" else percent, "Đã triển khai, đang tổng hợp kết quả.", on=first)
        if stage == "done":
            s.report_progress(s.SYSTEM, d, 100, "Đã hoàn thành, gửi kèm báo cáo kết quả.", on=min(d.given_on + dt.timedelta(days=2 * span // 3), self.today))
        if stage == "cancelled":
            s.cancel_directive(s.SYSTEM, d, "Nội dung đã được lồng ghép vào nhiệm vụ của chương trình chuyển đổi số năm sau.")
        self.counts["directives"] += 1
        return d

    def run(self) -> dict[str, int]:
        dates = session_dates(self.today)
        originals: dict[int, Recommendation] = {}
        for i, day in enumerate(dates):
            session = s.create_session(
                s.SYSTEM,
                f"Giao ban quản lý nhà nước {_quarter_label(day)}",
                day,
                "Nguyễn Minh Khang",
                "Thứ trưởng",
                "Lãnh đạo Bộ; lãnh đạo các cơ quan, đơn vị thuộc Bộ; lãnh đạo Sở Khoa học và Công nghệ các tỉnh, thành phố; "
                "đại diện các doanh nghiệp bưu chính, viễn thông.",
                35,
                "Trực tuyến, điểm cầu chính tại trụ sở Bộ (dữ liệu mẫu)",
            )
            self.counts["sessions"] += 1
            for k, item in enumerate(SESSION_ITEMS[i]):
                received = min(day - dt.timedelta(days=20 - 2 * k), self.today)
                self.recommendation(item, received, session, originals)
            if day < self.today:
                conclusions = "\n".join(t for t, *_ in SESSION_DIRECTIVES[i])
                BriefingSession.objects.filter(pk=session.pk).update(conclusions=conclusions)
                session.refresh_from_db()
                for spec in SESSION_DIRECTIVES[i]:
                    self.directive(session, spec)
        for k, item in enumerate(OTHER_ITEMS):
            received = dates[k % len(dates)] + dt.timedelta(days=5 + k)
            self.recommendation(item, min(received, self.today), None, originals)
        # One directive given in a document rather than at a briefing.
        ent = [o.pk for o in Organisation.objects.filter(uid__in=["DN-VNPT", "DN-VIETTEL", "DN-MOBIFONE"])]
        unit = self.unit("Cục Viễn thông", dates[-1], "telecom")
        if ent or unit:
            s.create_directive(
                s.SYSTEM,
                "Bảo đảm thông tin liên lạc phục vụ phòng, chống bão lũ tại các tỉnh miền Trung",
                "Lê Quang Vinh",
                ent + ([unit.pk] if unit else []),
                given_on=dates[-1],
                due_on=s.add_working_days(dates[-1], 10),
                leader_title="Bộ trưởng",
                document="Văn bản chỉ đạo khẩn (dữ liệu mẫu)",
                source=DEMO_MARK,
            )
            self.counts["directives"] += 1
        return self.counts


def demo_exists() -> bool:
    return Recommendation.objects.filter(source__demo=DEMO_MARK["demo"]).exists()


def remove_demo() -> int:
    recs = Recommendation.objects.filter(source__demo=DEMO_MARK["demo"])
    directives = Directive.objects.filter(source__demo=DEMO_MARK["demo"])
    session_ids = set(recs.exclude(session=None).values_list("session_id", flat=True))
    session_ids |= set(directives.exclude(session=None).values_list("session_id", flat=True))
    n = recs.count()
    with transaction.atomic():
        Recommendation.objects.filter(duplicate_of__in=recs).update(duplicate_of=None)
        directives.delete()
        recs.delete()
        BriefingSession.objects.filter(pk__in=session_ids).delete()
    return n


def build_demo(today: dt.date | None = None, reset: bool = False) -> dict[str, Any]:
    """Create the demo set; returns counts, or ``{"skipped": reason}`` when the prerequisites are missing."""
    today = today or timezone.localdate()
    if not Organisation.objects.filter(kind=OrgKind.MINISTRY_UNIT).exists():
        return {"skipped": "Chưa có cơ quan, đơn vị thuộc Bộ: chạy “baocao load_orgs” trước. Bỏ qua dữ liệu mẫu kiến nghị."}
    if not Organisation.objects.filter(kind=OrgKind.DEPARTMENT).exists():
        return {"skipped": "Chưa có Sở của các tỉnh: chạy “baocao load_map” và “baocao load_orgs” trước. Bỏ qua dữ liệu mẫu kiến nghị."}
    if demo_exists():
        if not reset:
            return {"skipped": "Dữ liệu mẫu kiến nghị đã có (dùng --reset để tạo lại)."}
        remove_demo()
    with transaction.atomic():
        return Demo(today).run()
