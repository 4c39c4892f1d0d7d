from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "baocao.core"
    verbose_name = "Hệ thống"
