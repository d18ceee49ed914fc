"""The production URLs plus the bare endpoint; used only by ``bench.settings``."""

from django.urls import include, path

from bench.views import BareApi

urlpatterns = [
    path("bench/bare", BareApi.as_view(), name="bench-bare"),
    path("", include("umbrella.urls")),
]

# include() does not carry error handlers over; keep the app's JSON/HTML error pages.
handler400 = "umbrella.views.handler400"
handler403 = "umbrella.views.handler403"
handler404 = "umbrella.views.handler404"
handler500 = "umbrella.views.handler500"
