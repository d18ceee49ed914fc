from django.urls import path

from violet.api import views

urlpatterns = [
    path("violet/tools", views.ToolListApi.as_view(), name="api-violet-tools"),
    path("violet/generate", views.GenerateApi.as_view(), name="api-violet-generate"),
    path("violet/history", views.HistoryApi.as_view(), name="api-violet-history"),
    path(
        "violet/history/<int:generation_id>",
        views.HistoryDetailApi.as_view(),
        name="api-violet-generation",
    ),
    path(
        "violet/history/<int:generation_id>/save",
        views.HistorySaveApi.as_view(),
        name="api-violet-generation-save",
    ),
    path("violet/usage", views.UsageApi.as_view(), name="api-violet-usage"),
]
