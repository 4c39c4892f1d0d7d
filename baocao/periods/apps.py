from django.apps import AppConfig


class PeriodsConfig(AppConfig):
    name = "baocao.periods"
    verbose_name = "Chế độ và kỳ báo cáo"
