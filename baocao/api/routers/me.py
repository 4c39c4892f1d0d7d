"""Who the request acts as: the user of the token or the session, with role and province scope."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from baocao.accounts.services import profile_of
from baocao.api.auth import user_of
from baocao.api.errors import errors
from baocao.reporting.services import role_of, visible_areas

router = Router(tags=["me"])


class MeOut(Schema):
    username: str
    role: str | None
    province: str | None = None
    organisation: str | None = None
    visible_provinces: list[str] | None = None


@router.get("/me", response={200: MeOut, **errors(401)}, summary="Who am I (token or session user, role, scope)")
def me(request: HttpRequest) -> MeOut:
    from baocao.geo.models import AdminArea

    user = user_of(request)
    p = profile_of(user)
    areas = visible_areas(user)
    return MeOut(
        username=user.get_username(),
        role=role_of(user),
        province=p.area.uid if p is not None and p.area_id else None,
        organisation=p.organisation.uid if p is not None and p.organisation_id else None,
        visible_provinces=None if areas is None else list(AdminArea.objects.filter(pk__in=areas).values_list("uid", flat=True)),
    )
