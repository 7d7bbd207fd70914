"""Old home of the API client helpers, kept only so that test modules written before the
helpers moved still import; new tests import from tests.factories (helpers) and get
fixtures from tests.conftest. Delete this module when nothing imports it."""

from tests.conftest import fast_password_hasher  # noqa: F401 (an autouse fixture, already in conftest)
from tests.factories import api_client, errors  # noqa: F401
