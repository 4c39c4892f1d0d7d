from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "baocao.dashboards"
    verbose_name = "Phân tích, bảng điều khiển"
    default_auto_field = "django.db.models.BigAutoField"
