from django import template
from django.contrib.humanize.templatetags.humanize import intcomma

register = template.Library()


@register.filter
def cents(value: int | None) -> str:
    """Integer cents as dollars: 123456 -> "$1,234.56" (whole amounts without ".00")."""
    if value is None:
        return ""
    dollars, rest = divmod(int(value), 100)
    return f"${intcomma(dollars)}" + (f".{rest:02d}" if rest else "")
