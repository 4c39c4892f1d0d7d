"""The project's URLs plus the extraction review, for tests (until the project includes it itself)."""

from django.urls import NoReverseMatch, include, path, reverse

from baocao.urls import urlpatterns as project_urlpatterns

urlpatterns = list(project_urlpatterns)
try:
    reverse("extraction:list", urlconf="baocao.urls")
except NoReverseMatch:
    urlpatterns.append(path("trich-xuat/", include("baocao.extraction.urls")))
