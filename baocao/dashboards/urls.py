from django.urls import path

from . import views

app_name = "dashboards"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("tinh/<str:uid>/", views.province, name="province"),
    path("chi-tieu/<str:code>/", views.indicator, name="indicator"),
    path("bang/", views.table, name="table"),
]
