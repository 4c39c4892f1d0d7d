"""Benchmark: the prose-report extractor over a corpus of generated reports of about 10 KB each.

    python bench/extract.py            # full size: 1,000 reports
    python bench/extract.py --quick    # 60 reports
    python bench/extract.py --docs 300 --no-catalog

The reports are generated here, deterministically (a fixed seed), from our own templates and
vocabulary of the genre: a title with a province and a period, a meeting date, paragraphs of results
mixing narrative sentences with sentences full of figures (thousands dots, decimal commas, fractions,
densities, triệu/tỷ, qualifiers) and things that are not figures (dates, legal document numbers,
service levels, anniversaries), a list of recommendations, a leader's closing remarks and a web-page
tail (related articles, visit counter). About 50 figures per report: still denser than the seed
reports (about 20 per 10 KB).

The extractor runs in this process on one core, with the catalog fixture for mapping when present
(``--no-catalog`` to leave it out). Progress goes to stdout; the last line is one JSON object:
``{"docs": N, "kb_per_doc": …, "docs_per_s": …, "peak_rss_mb": …, …}``. The target is ≥ 50 documents
per second and < 300 MB. ``docs_per_s`` is wall-clock time; ``docs_per_cpu_s`` counts only this
process's CPU time, which is what one core delivers when the machine is shared (``load_avg_1m`` shows
how busy it was).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

from benchutil import peak_rss_mb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FULL_DOCS = 1000
QUICK_DOCS = 60
TARGET_BYTES = 10_000

PROVINCES = [
    "Hà Giang", "Điện Biên", "Lai Châu", "Sơn La", "Yên Bái", "Hòa Bình", "Thái Nguyên", "Bắc Giang",
    "Phú Thọ", "Quảng Ninh", "Hải Dương", "Thái Bình", "Nam Định", "Ninh Bình", "Thanh Hóa", "Nghệ An",
    "Hà Tĩnh", "Quảng Bình", "Quảng Trị", "Quảng Ngãi", "Bình Định", "Phú Yên", "Khánh Hòa", "Kon Tum",
    "Gia Lai", "Đắk Lắk", "Lâm Đồng", "Bình Phước", "Tây Ninh", "Long An", "Tiền Giang", "Bến Tre",
    "Trà Vinh", "Vĩnh Long", "Đồng Tháp", "An Giang", "Kiên Giang", "Hậu Giang", "Sóc Trăng", "Cà Mau",
]
LEADERS = ["Phó Chủ tịch UBND tỉnh", "Chủ tịch UBND tỉnh", "Thứ trưởng Bộ TT&TT", "Giám đốc Sở"]
NAMES = ["Nguyễn Văn Bình", "Trần Thị Hoa", "Lê Quang Minh", "Phạm Đức Long", "Hoàng Thu Trang", "Vũ Hải Nam"]

RESULT_SENTENCES = [
    "Tổng số thuê bao điện thoại trên địa bàn tỉnh đạt {big} thuê bao, mật độ khoảng {dens} thuê bao/100 dân.",
    "Số thuê bao Internet băng rộng cố định ước đạt {mid} thuê bao, tăng {pct}% so với cùng kỳ.",
    "Toàn tỉnh có {a}/{b} xã, phường, thị trấn có cáp quang đến trung tâm xã.",
    "Sở đã cấp {small} giấy phép xuất bản bản tin và thẩm định {small2} hồ sơ xuất bản tài liệu không kinh doanh.",
    "Tỷ lệ hồ sơ thủ tục hành chính tiếp nhận trực tuyến đạt {dec}%, trong đó mức độ 4 chiếm {pct}%.",
    "Thanh tra Sở tiến hành {small} cuộc thanh tra, xử phạt {small2} tổ chức với tổng số tiền {money} đồng.",
    "Các doanh nghiệp đã lắp đặt mới hơn {small} trạm BTS 4G, nâng tổng số trạm lên {mid} trạm.",
    "Mạng lưới bưu chính có {small} điểm phục vụ, bình quân {mid} dân/điểm phục vụ.",
    "Tổ chức {small} lớp tập huấn chuyển đổi số cho khoảng {mid} lượt cán bộ cấp xã.",
    "Kinh phí hỗ trợ tổ công nghệ số cộng đồng là {tr} triệu đồng; tổng mức đầu tư các dự án là {ty} tỷ đồng.",
    "Hiện có trên {pct}% cơ quan nhà nước sử dụng hệ thống quản lý văn bản và điều hành, gần {small} đơn vị "
    "đã kết nối nền tảng tích hợp dữ liệu.",
    "Thực hiện Nghị định số {small}/2020/NĐ-CP ngày {d}/{m}/{y} và Quyết định số {mid}/QĐ-UBND, Sở đã triển khai "
    "dịch vụ công trực tuyến mức độ 3, 4 trên môi trường mạng.",
    "Nhân dịp kỷ niệm {small} năm thành lập ngành, Sở tổ chức {small2} hội nghị với sự tham gia của trên {mid} đại biểu.",
    "Hệ thống đài truyền thanh ứng dụng công nghệ thông tin - viễn thông đã được lắp đặt tại {small} xã, chiếm {dec}% "
    "tổng số xã, tăng gấp đôi so với năm trước.",
]
# Narrative sentences without figures: most of a real report is prose like this.
NARRATIVE = [
    "Sở đã chủ động tham mưu UBND tỉnh ban hành các văn bản chỉ đạo, điều hành về chuyển đổi số, bảo đảm kịp thời, "
    "đúng quy định.",
    "Công tác quản lý nhà nước về báo chí, xuất bản được tăng cường; thông tin tuyên truyền bám sát các sự kiện chính "
    "trị của tỉnh.",
    "Hạ tầng bưu chính, viễn thông tiếp tục được đầu tư, chất lượng dịch vụ từng bước được nâng lên, đáp ứng nhu cầu "
    "của người dân và doanh nghiệp.",
    "Việc ứng dụng công nghệ thông tin trong hoạt động của các cơ quan nhà nước có chuyển biến rõ nét, nhất là trong "
    "giải quyết thủ tục hành chính.",
    "Tuy nhiên, nguồn nhân lực công nghệ thông tin ở cấp xã còn thiếu và yếu, kinh phí cho chuyển đổi số còn hạn chế.",
    "Công tác bảo đảm an toàn thông tin mạng được quan tâm, các hệ thống thông tin dùng chung hoạt động ổn định.",
    "Sở đã phối hợp với các doanh nghiệp viễn thông triển khai các giải pháp phủ sóng vùng lõm, vùng sâu, vùng xa.",
    "Hoạt động thông tin cơ sở được đổi mới, nội dung tuyên truyền phong phú, gắn với nhiệm vụ chính trị của địa phương.",
]
RECS = [
    "Đề nghị Bộ Thông tin và Truyền thông sớm ban hành hướng dẫn đánh giá chuyển đổi số cấp xã.",
    "Đề nghị Cục Viễn thông chỉ đạo các doanh nghiệp ưu tiên phủ sóng vùng lõm.",
    "Hỗ trợ kinh phí đào tạo cán bộ phụ trách công nghệ thông tin cấp huyện; hướng dẫn kết nối nền tảng dữ liệu.",
    "Xem xét bố trí kinh phí duy trì Cụm thông tin đối ngoại của tỉnh.",
]
DIRS = [
    "Sở Thông tin và Truyền thông tham mưu ban hành kế hoạch chuyển đổi số năm tới; đẩy nhanh tiến độ triển khai "
    "nền tảng tích hợp, chia sẻ dữ liệu.",
    "Các doanh nghiệp viễn thông cần phối hợp chặt chẽ trong việc dùng chung hạ tầng.",
    "Trung tâm Công nghệ thông tin rà soát, bảo đảm an toàn thông tin cho các hệ thống dùng chung.",
    "Các sở, ngành, địa phương phải thực hiện nghiêm việc gửi, nhận văn bản điện tử có ký số.",
]
TAIL = (
    "\nTin liên quan\n{prov}: hội nghị giao ban báo chí tháng {m}/{y}\nChuyển đổi số cấp xã: {small} mô hình hay\n"
    "THỐNG KÊ TRUY CẬP\nHôm nay: {small}\nTrong tuần: {mid}\nTổng số: {big}\n"
)


def _vn(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def _values(rng: random.Random, year: int) -> dict[str, str]:
    a = rng.randint(50, 300)
    return {
        "big": _vn(rng.randint(200_000, 3_000_000)),
        "mid": _vn(rng.randint(1_000, 90_000)),
        "small": f"{rng.randint(1, 99):02d}" if rng.random() < 0.3 else str(rng.randint(1, 300)),
        "small2": str(rng.randint(1, 60)),
        "dens": str(rng.randint(60, 140)),
        "pct": str(rng.randint(1, 99)),
        "dec": f"{rng.randint(1, 99)},{rng.randint(1, 9)}",
        "a": str(a),
        "b": str(a + rng.randint(0, 40)),
        "money": _vn(rng.randint(1, 90) * 500_000),
        "tr": str(rng.randint(10, 900)),
        "ty": f"{rng.randint(1, 500)},{rng.randint(1, 9)}",
        "d": str(rng.randint(1, 28)),
        "m": str(rng.randint(1, 12)),
        "y": str(year - rng.randint(0, 3)),
    }


def make_report(rng: random.Random, target: int = TARGET_BYTES) -> str:
    prov = rng.choice(PROVINCES)
    year = rng.randint(2016, 2024)
    kind = rng.choice(["6 tháng đầu năm", "năm", "Quý III/", "9 tháng năm"])
    period = f"{kind}{year}" if kind.endswith("/") else f"{kind} {year}"
    leader = f"{rng.choice(LEADERS)} {rng.choice(NAMES)}"
    parts = [
        f"Hội nghị sơ kết công tác thông tin và truyền thông {period} tỉnh {prov}\n",
        f"Cập nhật: {rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{year} 09:{rng.randint(10, 59)}\n",
        f"Ngày {rng.randint(1, 28)}/{rng.randint(1, 12)}/{year}, Sở Thông tin và Truyền thông tỉnh {prov} tổ chức "
        f"hội nghị đánh giá kết quả {period}. {leader} dự và chỉ đạo hội nghị.\n",
    ]
    body: list[str] = []
    size = sum(len(p.encode()) for p in parts)
    tail_budget = 1600
    while size < target - tail_budget:
        sentences = [
            rng.choice(RESULT_SENTENCES).format(**_values(rng, year)) if rng.random() < 0.45 else rng.choice(NARRATIVE)
            for _ in range(rng.randint(3, 6))
        ]
        para = " ".join(sentences)
        body.append(para + "\n")
        size += len(body[-1].encode())
    parts.extend(body)
    parts.append(f"Tại hội nghị, Sở kiến nghị: {' '.join(rng.sample(RECS, 3))}\n")
    parts.append(f"Phát biểu kết luận, {leader} đề nghị: {' '.join(rng.sample(DIRS, 3))}\n")
    parts.append(TAIL.format(prov=rng.choice(PROVINCES), **_values(rng, year)))
    return "".join(parts)


def corpus(n: int, seed: int = 20240615) -> list[str]:
    rng = random.Random(seed)
    return [make_report(rng) for _ in range(n)]




def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_DOCS} reports instead of {FULL_DOCS}")
    parser.add_argument("--docs", type=int, default=None, help="number of reports")
    parser.add_argument("--no-catalog", action="store_true", help="do not map figures to the catalog fixture")
    args = parser.parse_args()
    n = args.docs or (QUICK_DOCS if args.quick else FULL_DOCS)

    from baocao.extraction.catalog import FIXTURE, Catalog, catalog_from_records
    from baocao.extraction.extractor import extract

    catalog = Catalog([], "none")
    if not args.no_catalog and FIXTURE.exists():
        data = json.loads(FIXTURE.read_text(encoding="utf-8"))
        rows = data.get("indicators", []) if isinstance(data, dict) else data
        catalog = catalog_from_records(rows, "fixture")

    t0 = time.perf_counter()
    docs = corpus(n)
    gen_s = time.perf_counter() - t0
    kb = sum(len(d.encode()) for d in docs) / n / 1024
    print(f"generated {n} reports of {kb:.1f} KB on average in {gen_s:.2f} s; catalog: {len(catalog.indicators)} indicators")

    extract(docs[0], catalog=catalog)  # warm-up: compiled patterns, province names
    facts = items = 0
    c0 = time.process_time()
    t0 = time.perf_counter()
    for i, d in enumerate(docs, 1):
        r = extract(d, catalog=catalog)
        facts += len(r["facts"])
        items += len(r["recommendations"]) + len(r["directives"])
        if i % max(1, n // 5) == 0:
            el = time.perf_counter() - t0
            print(f"  {i}/{n} reports, {i / el:.1f} reports/s")
    elapsed = time.perf_counter() - t0
    cpu = time.process_time() - c0
    result = {
        "docs": n,
        "kb_per_doc": round(kb, 1),
        "seconds": round(elapsed, 3),
        "docs_per_s": round(n / elapsed, 1),
        "ms_per_doc": round(1000 * elapsed / n, 2),
        "cpu_seconds": round(cpu, 3),
        "docs_per_cpu_s": round(n / cpu, 1) if cpu else None,
        "load_avg_1m": round(os.getloadavg()[0], 2),
        "facts_per_doc": round(facts / n, 1),
        "items_per_doc": round(items / n, 1),
        "catalog_indicators": len(catalog.indicators),
        "peak_rss_mb": peak_rss_mb(),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
