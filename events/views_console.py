"""What every developer-console page about one app shares: the door (signed in; the app's owner
or staff, by the one rule :func:`events.selectors_apps.app_managed`; anyone else ``404``)."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse

from accounts.selectors import request_user
from events.selectors_apps import app_managed
from umbrella.errors import NotFoundError


def console_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A page about one app: signed in, and the app's owner or staff; else 404. The view gets
    the app instead of its id."""

    @login_required
    @wraps(view)
    def page(request: HttpRequest, app_id: str, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            app = app_managed(app_id=app_id, user=request_user(request))
        except NotFoundError as error:
            raise Http404("No such app.") from error
        return view(request, app, *args, **kwargs)

    return page
