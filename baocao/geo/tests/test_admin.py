from baocao.geo.models import AdminArea


def test_area_admin_pages(geo_map, admin_client):
    resp = admin_client.get("/admin/geo/adminarea/", {"q": "ha giang"})
    assert resp.status_code == 200
    assert "Hà Giang" in resp.content.decode()
    resp = admin_client.get("/admin/geo/adminarea/", {"hieu_luc": "post", "level": "province"})
    assert resp.status_code == 200
    assert "34 đơn vị hành chính" in resp.content.decode()
    area = AdminArea.objects.get(uid="P08-2025")
    page = admin_client.get(f"/admin/geo/adminarea/{area.pk}/change/").content.decode()
    assert "Hà Giang → Tuyên Quang (01/07/2025)" in page and "tuyen quang" in page
    assert admin_client.get("/admin/geo/areasuccession/").status_code == 200
