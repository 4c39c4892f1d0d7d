from django.apps import AppConfig


class ExcelConfig(AppConfig):
    name = "baocao.excel"
    verbose_name = "Excel"
