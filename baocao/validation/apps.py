from django.apps import AppConfig


class ValidationConfig(AppConfig):
    name = "baocao.validation"
    verbose_name = "Quy tắc kiểm tra số liệu"

    def ready(self) -> None:
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from baocao.catalog.models import Indicator

        from . import services
        from .models import ValidationRule

        # The parsed rules and the catalog facts they need are cached per process: forget them
        # whenever a rule or an indicator changes (other processes re-check within CACHE_SECONDS).
        for model in (ValidationRule, Indicator):
            post_save.connect(services.clear_cache, sender=model, dispatch_uid=f"validation_cache_save_{model.__name__}")
            post_delete.connect(services.clear_cache, sender=model, dispatch_uid=f"validation_cache_del_{model.__name__}")
        m2m_changed.connect(
            services.clear_cache, sender=Indicator.disaggregations.through, dispatch_uid="validation_cache_m2m"
        )
