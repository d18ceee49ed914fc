from django.urls import path

from violet import views, views_stream

urlpatterns = [
    path("violet/", views.workspace, name="violet-workspace"),
    path("violet/history/", views.history, name="violet-history"),
    path(
        "violet/history/<int:generation_id>/",
        views.generation_detail,
        name="violet-generation",
    ),
    path(
        "violet/history/<int:generation_id>/save",
        views.generation_save,
        name="violet-generation-save",
    ),
    # Served by the ASGI process (settings.ASGI_HTTP_PREFIXES; docs/deployment.md).
    path("stream/violet/generate", views_stream.generate_stream, name="violet-stream"),
]
