from django.urls import path

from . import views

app_name = "reporting"

_R = "<str:form>/<str:period>/<str:area>/"

urlpatterns = [
    path("", views.index, name="index"),
    path("tinh-hinh-nop/", views.completeness, name="completeness"),
    path(_R, views.entry, name="entry"),
    path(_R + "gui/", views.submit, name="submit"),
    path(_R + "chap-nhan/", views.accept, name="accept"),
    path(_R + "tra-lai/", views.return_, name="return"),
    path(_R + "mo-lai/", views.reopen, name="reopen"),
    path(_R + "kiem-tra/", views.verify, name="verify"),
    path(_R + "excel/", views.excel_download, name="excel"),
    path(_R + "tai-len/", views.excel_upload, name="upload"),
]
