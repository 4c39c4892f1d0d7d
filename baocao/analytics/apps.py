from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "baocao.analytics"
    verbose_name = "Phân tích, tổng hợp"

    def ready(self) -> None:
        from baocao.analytics.cache import connect_signals

        connect_signals()
