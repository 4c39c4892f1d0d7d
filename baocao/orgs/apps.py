from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "baocao.orgs"
    verbose_name = "Cơ quan, đơn vị"
