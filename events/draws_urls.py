"""Pages of the rooms' draws part (issue 12): the public verification page."""

from django.urls import URLPattern, URLResolver, path

from events import views_draws

urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "rooms/<int:room_id>/draws/<int:number>/",
        views_draws.draw_verify,
        name="draw-verify",
    ),
]
