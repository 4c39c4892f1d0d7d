from django.urls import path

from . import views

app_name = "briefing"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/trang-thai/", views.status, name="status"),
    path("<int:pk>/tai/<str:kind>/", views.download, name="download"),
]
