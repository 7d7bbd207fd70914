"""Personas and shared fixtures. Each persona's comment says what it may see."""

import io

import pytest
from django.core.cache import cache
from django.core.management import call_command

from debates.models import Debate, Membership
from tests.factories import make_classroom, make_debate, make_node, make_user


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    # The real hasher costs ~0.3 s a user; tests make many users (load_demo alone makes four).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Rendered maps are cached (locmem, or Redis on the PostgreSQL run): no test sees another's.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def teacher(db):
    """Teaches `classroom`: sees and moderates everything in its debates."""
    return make_user("teacher", teacher=True)


@pytest.fixture
def other_teacher(db):
    """Teaches `other_classroom` only: sees nothing of `classroom`."""
    return make_user("other_teacher", teacher=True)


@pytest.fixture
def student(db):
    """In `classroom`: sees its approved content and their own work, nothing pending of others."""
    return make_user("student")


@pytest.fixture
def other_student(db):
    """Also in `classroom`: must never see `student`'s pending, returned or rejected work."""
    return make_user("other_student")


@pytest.fixture
def outsider(db):
    """In `other_classroom` only: `classroom` and its debates do not exist for them (404)."""
    return make_user("outsider")


@pytest.fixture
def co_teacher(classroom):
    """A second teacher of `classroom`: sees and moderates the same queue as `teacher`."""
    user = make_user("co_teacher", teacher=True)
    Membership.objects.create(classroom=classroom, user=user, role=Membership.Role.TEACHER)
    return user


@pytest.fixture
def admin(db):
    """A site admin (staff, superuser): sees and moderates every debate, node, relation and
    source, in the pages, the API and /admin/, though a member of no classroom."""
    return make_user("admin", is_superuser=True, is_staff=True)


@pytest.fixture
def classroom(teacher, student, other_student):
    return make_classroom(teacher=teacher, students=[student, other_student], name="Civics 10B")


@pytest.fixture
def other_classroom(other_teacher, outsider):
    return make_classroom(teacher=other_teacher, students=[outsider], name="History 9A")


@pytest.fixture
def debate(classroom, teacher):
    """An open debate of `classroom` with one source and its question node."""
    return make_debate(classroom=classroom, created_by=teacher, slug="ttp-response")


@pytest.fixture
def claim(debate):
    """An approved claim under the question of `debate`, with no author: everyone who may read
    `debate` sees it, on the map and in the outline."""
    return make_node(debate, text="Military operations have worked before.")


@pytest.fixture
def public_debate(db, teacher):
    """No classroom: readable by visitors."""
    return make_debate(created_by=teacher, slug="public-debate", question="Should cities ban cars?")


@pytest.fixture
def demo_debate(transactional_db):
    """The demo debate that load_demo makes (53 boxes, in the demo classroom, whose students
    are student1 and so on), committed: for a live server and the browser that reads it."""
    call_command("load_demo", stdout=io.StringIO())
    return Debate.objects.get(slug="pakistan-ttp-response")


CHROMIUM = "/usr/bin/chromium"
# As the machine notes say: no background networking on a closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium driven by Playwright (never a downloaded browser build)."""
    import os

    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread; the ORM calls that
    # tests make between page actions are still synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server):
    """A fresh browser tab (no cookies) whose relative URLs go to the live server."""
    context = chromium.new_context(base_url=live_server.url)
    # Generous: a loaded 2-core machine can take seconds to lay out a map.
    context.set_default_timeout(20_000)
    tab = context.new_page()
    yield tab
    context.close()


def pytest_report_header(config):
    from django.conf import settings

    return [
        f"database: {settings.DATABASES['default']['ENGINE']}",
        f"cache: {settings.CACHES['default']['BACKEND']}",
    ]
