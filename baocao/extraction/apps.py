from django.apps import AppConfig


class ExtractionConfig(AppConfig):
    name = "baocao.extraction"
    verbose_name = "Trích xuất từ văn bản"
