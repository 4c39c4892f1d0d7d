from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "baocao.audit"
    verbose_name = "Nhật ký hệ thống"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

        from . import services

        user_logged_in.connect(services.on_login, dispatch_uid="audit_login")
        user_logged_out.connect(services.on_logout, dispatch_uid="audit_logout")
        user_login_failed.connect(services.on_login_failed, dispatch_uid="audit_login_failed")
