"""A class writing at once: 30 students post a claim each, several at a time, against a real
threaded server; none gets an error, on SQLite (the default) as on PostgreSQL."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token

from debates.models import Membership, Node
from tests.factories import make_classroom, make_debate, make_user, post_json, question_of

pytestmark = pytest.mark.slow

WRITERS = 30
AT_ONCE = 8


def test_thirty_students_posting_at_once_all_get_201(transactional_db, live_server):
    teacher = make_user("teacher", teacher=True)
    students = [make_user(f"student{i}") for i in range(WRITERS)]
    classroom = make_classroom(teacher=teacher, students=students)
    debate = make_debate(classroom=classroom, created_by=teacher, slug="class-writes")
    target = question_of(debate).pk
    tokens = [Token.objects.create(user=student).key for student in students]
    assert Membership.objects.filter(classroom=classroom).count() == WRITERS + 1
    if connection.vendor == "sqlite":
        # The threads must each have their own connection to a file, or this test proves nothing.
        assert connection.settings_dict["NAME"].endswith(".sqlite3")
        assert connection.cursor().execute("PRAGMA journal_mode").fetchone()[0] == "wal"

    url = f"{live_server.url}/api/nodes/"
    with ThreadPoolExecutor(max_workers=AT_ONCE) as pool:
        answers = list(
            pool.map(
                lambda i: post_json(
                    url, tokens[i], {"debate": debate.slug, "kind": "claim", "text": f"Reason {i}", "target": target}
                ),
                range(WRITERS),
            )
        )

    assert [status for status, _ in answers] == [201] * WRITERS, [a for a in answers if a[0] != 201][:3]
    assert Node.objects.filter(debate=debate, kind="claim").count() == WRITERS
