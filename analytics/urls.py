from django.urls import path

from analytics import views

urlpatterns = [
    path("analytics/", views.dashboard, name="analytics-dashboard"),
    path("analytics/export.csv", views.export_csv, name="analytics-export"),
    path("analytics/public-stats/", views.public_stats_set, name="analytics-public-stats-set"),
    # Under the artist's own path, open before onboarding like the page it is part of; the
    # artist page's own routes are one segment deep (/artists/<slug>/<tab>/).
    path("artists/<slug:slug>/stats/public/", views.public_stats, name="analytics-public-stats"),
]
