from django.urls import path

from analytics.api import views

urlpatterns = [
    path("analytics/daily/", views.AnalyticsDailyApi.as_view(), name="api-analytics-daily"),
    path("analytics/summary", views.AnalyticsSummaryApi.as_view(), name="api-analytics-summary"),
    path(
        "analytics/public-stats",
        views.AnalyticsPublicStatsSettingsApi.as_view(),
        name="api-analytics-public-stats",
    ),
    path(
        "analytics/artists/<slug:slug>/public-stats",
        views.ArtistPublicStatsApi.as_view(),
        name="api-analytics-artist-public-stats",
    ),
]
