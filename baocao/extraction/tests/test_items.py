"""Recommendations and directives: one item per distinct ask or task, with who and to whom."""

from __future__ import annotations

from baocao.extraction.extractor import extract


def _texts(items: list[dict]) -> list[str]:
    return [i["text"] for i in items]


def test_recommendations_after_a_colon_split_at_semicolons_and_sentences():
    text = (
        "Sở TT&TT Hà Tĩnh làm việc với đoàn công tác của Bộ về tình hình triển khai nhiệm vụ năm 2021\n"
        "Tại buổi làm việc, Sở kiến nghị: Bộ TT&TT sớm ban hành hướng dẫn về kiến trúc chính quyền số; hỗ trợ "
        "kinh phí đào tạo cán bộ chuyên trách. Cục Viễn thông chỉ đạo doanh nghiệp phủ sóng vùng lõm.\n"
    )
    r = extract(text)
    assert len(r["recommendations"]) == 3
    assert r["recommendations"][0]["text"].startswith("Bộ TT&TT sớm ban hành")
    assert all(i["from"] == "Sở" for i in r["recommendations"])
    assert r["directives"] == []


def test_numbered_list_skips_explanations():
    text = (
        "Một số kiến nghị\n"
        "Sở TT&TT tỉnh Hòa Bình xin có một số đề xuất, kiến nghị Bộ TT&TT xem xét như sau:\n"
        "1. Đề nghị Chính phủ xây dựng hệ thống thư điện tử dùng chung.\n"
        "Diễn giải: Hiện nay mỗi tỉnh tự duy trì hệ thống riêng, đề nghị Chính phủ xem xét đầu tư tập trung.\n"
        "2. Tiếp tục hỗ trợ kinh phí cho thông tin đối ngoại. Từ năm 2015 đến nay tỉnh mới chỉ có 01 cụm.\n"
    )
    r = extract(text)
    assert _texts(r["recommendations"]) == [
        "Đề nghị Chính phủ xây dựng hệ thống thư điện tử dùng chung",
        "Tiếp tục hỗ trợ kinh phí cho thông tin đối ngoại",
    ]
    assert r["recommendations"][0]["to"] == "Chính phủ"


def test_leader_closing_remarks_are_directives():
    text = (
        "Phó Chủ tịch UBND tỉnh làm việc với Sở Thông tin và Truyền thông tỉnh Nghệ An về chuyển đổi số\n"
        "Kết luận buổi làm việc, đồng chí Phó Chủ tịch UBND tỉnh ghi nhận những kết quả ngành đã đạt được. "
        "Đồng chí yêu cầu Sở tham mưu ban hành kế hoạch chuyển đổi số năm 2022; phối hợp với Công an tỉnh bảo đảm "
        "an toàn thông tin. Các doanh nghiệp viễn thông cần đẩy nhanh phủ sóng 4G tại các xã miền núi.\n"
    )
    r = extract(text)
    texts = _texts(r["directives"])
    assert len(texts) == 3
    assert texts[1].startswith("phối hợp với Công an tỉnh")
    assert r["directives"][2]["to"] == "Các doanh nghiệp viễn thông"
    assert all(d["by"] and "Phó Chủ tịch" in d["by"] for d in r["directives"])


def test_past_reports_are_not_items():
    text = (
        "Báo cáo kết quả công tác 6 tháng đầu năm 2020 của Sở TT&TT tỉnh Bắc Giang\n"
        "Trong 6 tháng, Sở đã chỉ đạo các doanh nghiệp hoàn thiện mạng truyền số liệu chuyên dùng. "
        "Sở đã đề nghị Cục Chứng thực số cấp mới 538 chứng thư số. Bộ TT&TT đã nhận được 7.793 kiến nghị, trong đó có: "
        "7.610 kiến nghị do người dân gửi đến.\n"
    )
    r = extract(text)
    assert r["recommendations"] == [] and r["directives"] == []
    assert [f["value"] for f in r["facts"]] == [538, 7793, 7610]


def test_a_photo_caption_opens_no_block():
    text = (
        "Đồng chí Giám đốc Sở phát biểu kết luận Hội nghị\n"
        "Theo báo cáo, toàn ngành đã hoàn thành 11/12 chỉ tiêu được giao, tiếp tục duy trì hạ tầng ổn định.\n"
    )
    assert extract(text)["directives"] == []


def test_item_offsets_point_at_the_item():
    text = (
        "Hội nghị giao ban quý II/2024 của Sở TT&TT tỉnh Bến Tre với các doanh nghiệp trên địa bàn tỉnh\n"
        "Phát biểu kết luận, Giám đốc Sở đề nghị: các doanh nghiệp cần chủ động chia sẻ hạ tầng; "
        "Trung tâm Công nghệ thông tin rà soát máy chủ trước ngày 30/6.\n"
    )
    r = extract(text)
    assert [text[d["start"] : d["end"]] for d in r["directives"]] == [
        "các doanh nghiệp cần chủ động chia sẻ hạ tầng",
        "Trung tâm Công nghệ thông tin rà soát máy chủ trước ngày 30/6",
    ]


def test_heading_list_of_recommendations_ends_at_the_next_heading():
    text = (
        "BÁO CÁO\nTình hình thực hiện nhiệm vụ năm 2023 của Sở Thông tin và Truyền thông tỉnh Gia Lai\n"
        "I. KẾT QUẢ THỰC HIỆN\n"
        "Toàn tỉnh có 245 điểm phục vụ bưu chính, số thuê bao di động đạt 1.612.000 thuê bao, giảm 2,1% so với năm trước.\n"
        "II. MỘT SỐ KIẾN NGHỊ, ĐỀ XUẤT\n"
        "- Bộ Thông tin và Truyền thông sớm hướng dẫn tiêu chí xã thông minh;\n"
        "- Cục Bưu điện Trung ương hỗ trợ kết nối mạng truyền số liệu chuyên dùng đến cấp xã.\n"
        "III. PHƯƠNG HƯỚNG NHIỆM VỤ NĂM 2024\n"
        "- Tiếp tục triển khai các nền tảng số dùng chung.\n"
    )
    r = extract(text)
    assert [i["to"] for i in r["recommendations"]] == ["Bộ Thông tin và Truyền thông", "Cục Bưu điện Trung ương"]
    assert r["directives"] == [] and r["period"] == "2023" and r["province"] == "Gia Lai"


def test_directives_in_a_bulleted_list_after_a_colon():
    text = (
        "Bộ trưởng làm việc với tỉnh Thái Bình về chuyển đổi số\n"
        "Chiều ngày 14/3/2024, Bộ trưởng Bộ Thông tin và Truyền thông Nguyễn Mạnh Hùng làm việc với UBND tỉnh Thái Bình.\n"
        "Phát biểu tại buổi làm việc, Bộ trưởng yêu cầu:\n"
        "- Tỉnh tập trung phát triển hạ tầng số, phủ cáp quang đến 100% thôn;\n"
        "- Sở Thông tin và Truyền thông làm đầu mối triển khai các nền tảng số quốc gia tại địa phương.\n"
        "Bộ trưởng giao Cục Viễn thông hướng dẫn tỉnh xây dựng quy hoạch hạ tầng số trong quý II/2024.\n"
    )
    r = extract(text)
    assert len(r["directives"]) == 3 and r["event_date"] == "2024-03-14"
    assert {d["by"] for d in r["directives"]} == {"Bộ trưởng Bộ Thông tin và Truyền thông Nguyễn Mạnh Hùng"}
    assert r["directives"][2]["to"] == "Cục Viễn thông"


def test_conclusion_notice_with_plain_paragraphs_after_the_colon():
    text = (
        "Thông báo kết luận của Chủ tịch UBND tỉnh Sơn La tại buổi làm việc với Sở Thông tin và Truyền thông\n"
        "Ngày 5/8/2022, đồng chí Chủ tịch UBND tỉnh làm việc với Sở Thông tin và Truyền thông về kết quả năm 2022.\n"
        "Sau khi nghe báo cáo, đồng chí Chủ tịch UBND tỉnh kết luận như sau:\n"
        "Giao Sở Thông tin và Truyền thông chủ trì, phối hợp với các sở, ngành xây dựng kế hoạch chuyển đổi số "
        "giai đoạn 2023 - 2025, trình UBND tỉnh trước ngày 30/9/2022.\n"
        "Các sở, ban, ngành, UBND các huyện, thành phố có trách nhiệm cập nhật đầy đủ dữ liệu lên hệ thống báo cáo.\n"
        "Văn phòng UBND tỉnh thông báo để các cơ quan, đơn vị biết, thực hiện.\n"
    )
    r = extract(text)
    assert [d["to"] for d in r["directives"]] == ["Sở Thông tin và Truyền thông", "Các sở, ban, ngành, UBND các huyện, thành phố"]
    assert {d["by"] for d in r["directives"]} == {"Chủ tịch UBND tỉnh Sơn La"}


def test_the_noun_kien_nghi_is_not_an_ask():
    text = (
        "Tin tức về dịch vụ công trực tuyến của tỉnh Phú Yên năm 2021\n"
        "Người dân có thể gửi kiến nghị qua Cổng dịch vụ công của tỉnh hoặc qua ứng dụng trên điện thoại. "
        "Sở đã tiếp nhận nhiều ý kiến, kiến nghị của người dân về chất lượng dịch vụ Internet. "
        "Số kiến nghị trong năm tăng mạnh.\n"
        "Sở kiến nghị Bộ sớm ban hành hướng dẫn về chữ ký số.\n"
    )
    assert [i["text"] for i in extract(text)["recommendations"]] == ["Sở kiến nghị Bộ sớm ban hành hướng dẫn về chữ ký số"]


def test_a_leaders_appraisal_does_not_turn_the_next_paragraphs_into_directives():
    text = (
        "Hội nghị tổng kết năm 2021 của Sở Thông tin và Truyền thông tỉnh Yên Bái với các đơn vị trực thuộc\n"
        "Giám đốc Sở Nguyễn Văn Minh nhấn mạnh, năm qua toàn ngành đã đạt nhiều kết quả quan trọng trong "
        "chuyển đổi số và phát triển hạ tầng viễn thông trên địa bàn.\n"
        "Tuy nhiên, hạ tầng ở các xã vùng cao cần được đầu tư thêm, nhiều thôn còn lõm sóng di động.\n"
    )
    assert extract(text)["directives"] == []
