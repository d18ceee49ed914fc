from collections.abc import Callable

from django.http import HttpRequest

from umbrella import domains


def menu(request: HttpRequest) -> dict[str, Callable[[], list[domains.MenuLink]]]:
    """The domains' links for the main menu in base.html (see umbrella/domains.py). A callable,
    so a page without the menu (an HTMX fragment) does not load the signed-in user for it."""

    def links() -> list[domains.MenuLink]:
        user = getattr(request, "user", None)
        role = user.role if user is not None and user.is_authenticated else None
        return domains.menu_links(role)

    return {"menu_links": links}
