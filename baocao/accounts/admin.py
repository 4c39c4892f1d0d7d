from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from baocao.accounts.models import Profile

User = get_user_model()


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    raw_id_fields = ["organisation", "area"]
    verbose_name_plural = "vai trò và đơn vị"


admin.site.unregister(User)


@admin.register(User)
class BaocaoUserAdmin(UserAdmin):
    inlines = [ProfileInline]
    list_display = ["username", "first_name", "last_name", "profile_role", "profile_org", "is_staff", "is_active"]
    list_select_related = ["profile", "profile__organisation"]
    list_filter = ["profile__role", "is_staff", "is_active"]

    @admin.display(description="vai trò")
    def profile_role(self, obj):
        return obj.profile.get_role_display() if hasattr(obj, "profile") else "–"

    @admin.display(description="cơ quan, đơn vị")
    def profile_org(self, obj):
        return obj.profile.organisation if hasattr(obj, "profile") else "–"
