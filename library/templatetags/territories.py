from django import template

from library.territories import names

register = template.Library()


@register.filter
def territory_names(value: str) -> str:
    """ "CN, HK" → "Mainland China, Hong Kong (China)" / "中国大陆、中国香港"."""
    return names(value)
