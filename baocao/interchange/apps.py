from django.apps import AppConfig


class InterchangeConfig(AppConfig):
    name = "baocao.interchange"
    verbose_name = "Trao đổi dữ liệu"
