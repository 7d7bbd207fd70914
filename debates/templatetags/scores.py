"""How a template shows a score: `{{ grade.score|score_text }}` gives "10" or "7.5"."""

from django import template

from debates.teaching import feedback

register = template.Library()


@register.filter
def score_text(score) -> str:
    """feedback.score_text(): a plain decimal without a trailing ".0" ("" for no score)."""
    return "" if score is None or score == "" else feedback.score_text(score)
