from django.apps import AppConfig


class RecommendationsConfig(AppConfig):
    name = "baocao.recommendations"
    verbose_name = "Kiến nghị và nhiệm vụ"
