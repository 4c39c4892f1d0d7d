"""Password policy beyond Django's validators: character classes.

Configured in ``AUTH_PASSWORD_VALIDATORS`` (settings) together with Django's own length, similarity,
common-password and all-numeric checks; the minimum length and the number of classes are options
there, not constants here. Messages are Vietnamese msgids (English in the locale files).
"""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


class CharacterClassValidator:
    """At least ``min_classes`` of: lowercase letter, uppercase letter, digit, other symbol."""

    def __init__(self, min_classes: int = 3) -> None:
        if not 1 <= min_classes <= 4:
            raise ValueError(f"min_classes must be between 1 and 4, got {min_classes}")
        self.min_classes = min_classes

    @staticmethod
    def classes_in(password: str) -> int:
        return sum(
            (
                any(c.islower() for c in password),
                any(c.isupper() for c in password),
                any(c.isdigit() for c in password),
                any(not c.isalnum() for c in password),
            )
        )

    def validate(self, password: str, user: object | None = None) -> None:
        if self.classes_in(password) < self.min_classes:
            raise ValidationError(
                ngettext(
                    "Mật khẩu phải có ít nhất %(n)d loại ký tự trong số: chữ thường, chữ hoa, chữ số, ký hiệu.",
                    "Mật khẩu phải có ít nhất %(n)d loại ký tự trong số: chữ thường, chữ hoa, chữ số, ký hiệu.",
                    self.min_classes,
                ),
                code="password_too_simple",
                params={"n": self.min_classes},
            )

    def get_help_text(self) -> str:
        return _("Mật khẩu phải có ít nhất %(n)d loại ký tự trong số: chữ thường, chữ hoa, chữ số, ký hiệu.") % {
            "n": self.min_classes
        }


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's length check with a Vietnamese message (Django's own Vietnamese catalogue lacks it)."""

    def get_error_message(self) -> str:
        return _("Mật khẩu quá ngắn: cần ít nhất %(min_length)d ký tự.") % {"min_length": self.min_length}

    def get_help_text(self) -> str:
        return _("Mật khẩu phải có ít nhất %(min_length)d ký tự.") % {"min_length": self.min_length}


class UserAttributeSimilarityValidator(password_validation.UserAttributeSimilarityValidator):
    """Django's similarity check with a Vietnamese message."""

    def get_error_message(self) -> str:
        return _("Mật khẩu quá giống với %(verbose_name)s.")

    def get_help_text(self) -> str:
        return _("Mật khẩu không được quá giống với thông tin cá nhân của bạn.")
