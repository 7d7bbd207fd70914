"""Helpers shared by the classroom test modules (issue 4); fixtures stay in each module."""

import re

from django.contrib.messages import get_messages

HOSTILE = (
    "<script>alert('x')</script> \"quotes\" \\back\\slash\\ <b>bold</b> & ampersand\n"
    "second line \u202eRTL override\u202c اردو متن 🎉"
)


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def text_of(response) -> str:
    """The page's text with tags removed and whitespace collapsed, for assertions on what a reader sees."""
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def login(client, user):
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client
