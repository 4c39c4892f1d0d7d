from django.apps import AppConfig


class DatavaluesConfig(AppConfig):
    name = "baocao.datavalues"
    verbose_name = "Số liệu"
