"""A kept (persistent) database connection that the server dropped is replaced before a
request uses it: a PostgreSQL restart costs a reconnect, not an error page per worker."""

import psycopg
import pytest
from django.conf import settings
from django.db import close_old_connections, connection


def test_settings_check_kept_connections_before_reuse():
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a server-side disconnect needs PostgreSQL")
def test_a_request_after_the_server_dropped_the_kept_connection_answers(transactional_db, client):
    # As production with CONN_MAX_AGE: the connection outlives the request.
    connection.close()
    connection.settings_dict["CONN_MAX_AGE"] = 60
    try:
        assert client.get("/").status_code == 200
        pid = connection.connection.info.backend_pid
        # What a database restart does to every kept connection.
        params = connection.get_connection_params()
        wanted = {"dbname", "user", "password", "host", "port"}
        with psycopg.connect(**{k: v for k, v in params.items() if k in wanted}, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        # Django runs this at the start of every request (its test client leaves it out).
        close_old_connections()
        assert client.get("/").status_code == 200
        assert connection.connection.info.backend_pid != pid
    finally:
        connection.settings_dict["CONN_MAX_AGE"] = 0
        connection.close()
