from django.apps import AppConfig


class GeoConfig(AppConfig):
    name = "baocao.geo"
    verbose_name = "Bản đồ hành chính"
