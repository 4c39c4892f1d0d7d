from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "baocao.demo"
    verbose_name = "Dữ liệu mẫu"
