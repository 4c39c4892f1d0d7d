from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "baocao.reporting"
    verbose_name = "Báo cáo định kỳ"
