from django.apps import AppConfig


class BriefingConfig(AppConfig):
    name = "baocao.briefing"
    verbose_name = "Báo cáo giao ban quý"
    default_auto_field = "django.db.models.BigAutoField"
