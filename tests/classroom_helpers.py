"""Old home of the page helpers, kept only so that test modules written before the helpers
moved still import; new tests import from tests.factories. Delete this module when nothing
imports it."""

from tests.factories import HOSTILE, login, messages_of, text_of  # noqa: F401
