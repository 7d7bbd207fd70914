"""How a template names a debate: `{{ debate|debate_name }}`, or `{{ debate|debate_name:80 }}`
to shorten the question (never the group's name) to 80 characters."""

from django import template

register = template.Library()


@register.filter
def debate_name(debate, length=None) -> str:
    """Debate.named(): the question, then a group copy's name in brackets ("" for no debate)."""
    if not debate:
        return ""
    return debate.named(int(length) if length else None)
