from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from umbrella import views
from umbrella.health import HealthApi, LivenessApi
from umbrella.resolvers import indexed

api_v1: list[URLPattern | URLResolver] = [
    path("health", HealthApi.as_view(), name="api-health"),
    path("health/live", LivenessApi.as_view(), name="api-health-live"),
    path("", include("accounts.api.urls")),
    path("", include("artists.api.urls")),
    path("", include("marketplace.api.urls")),
    path("", include("messaging.api.urls")),
    path("", include("events.api.urls")),
    path("", include("violet.api.urls")),
    path("", include("analytics.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "docs/",
        # Swagger UI sets inline styles; scripts stay same-origin only.
        csp_update({"style-src": [UNSAFE_INLINE]})(
            # A page: OPTIONS would crash its HTML renderer, so only GET and HEAD.
            SpectacularSwaggerSplitView.as_view(
                url_name="api-schema", http_method_names=["get", "head"]
            )
        ),
        name="api-docs",
    ),
]

# Resolved through umbrella.resolvers.IndexedResolver: a path's first segment picks the routes
# tried (the same routes in the same order as a plain list, without walking every app's).
site: list[URLPattern | URLResolver] = [
    path("", views.landing, name="landing"),
    indexed("api/v1/", api_v1),
    # Last under /api/: the other slash form of every route, and JSON 404s (DEBUG or not).
    re_path(r"^api(?:/.*)?$", views.api_fallback, name="api-fallback"),
    path("_allauth/", include("accounts.headless")),
    path("_allauth/", include("allauth.headless.urls")),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("", include("artists.urls")),
    path("", include("marketplace.urls")),
    path("", include("messaging.urls")),
    path("", include("events.urls")),
    path("", include("violet.urls")),
    path("", include("analytics.urls")),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    site += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns = [indexed("", site)]

handler400 = "umbrella.views.handler400"
handler403 = "umbrella.views.handler403"
handler404 = "umbrella.views.handler404"
handler500 = "umbrella.views.handler500"
