from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from baocao.core import views as core_views

admin.site.site_header = "baocao – Quản trị hệ thống"
admin.site.site_title = "baocao"
admin.site.index_title = "Quản trị dữ liệu tham chiếu và số liệu"

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", core_views.health, name="health"),
    path("api/v1/", include("baocao.api.urls")),
]
urlpatterns += i18n_patterns(
    path("", core_views.home, name="home"),
    path("dang-nhap/", auth_views.LoginView.as_view(template_name="accounts/login.html"), name="login"),
    path("dang-xuat/", auth_views.LogoutView.as_view(), name="logout"),
    path("tai-khoan/", include("baocao.accounts.urls")),
    path("kien-nghi/", include("baocao.recommendations.urls")),
    path("bao-cao/", include("baocao.reporting.urls")),
    path("trich-xuat/", include("baocao.extraction.urls")),
    path("phan-tich/ban-tin/", include("baocao.briefing.urls")),
    path("phan-tich/", include("baocao.dashboards.urls")),
    path("admin/", admin.site.urls),
    prefix_default_language=False,
)

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# A database that cannot be reached → 503, a full disk → 507, never a traceback (baocao/ops/views.py).
handler500 = "baocao.ops.views.server_error"
