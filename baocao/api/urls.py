from django.urls import path

from baocao.api.api import api

urlpatterns = [path("", api.urls)]
