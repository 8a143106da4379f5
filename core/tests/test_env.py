import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import Env


def test_booleans_are_parsed_strictly():
    env = Env({"A": "yes", "B": "0", "C": "maybe", "D": " "})
    assert env.get_bool("A", False) is True
    assert env.get_bool("B", True) is False
    assert env.get_bool("D", True) is True  # blank means unset
    with pytest.raises(ImproperlyConfigured, match="C='maybe' is not a boolean"):
        env.get_bool("C", False)


def test_integers_and_minimum():
    env = Env({"N": "12", "BAD": "twelve", "LOW": "3"})
    assert env.get_int("N", 0) == 12
    assert env.get_int("MISSING", 7) == 7
    with pytest.raises(ImproperlyConfigured, match="not a whole number"):
        env.get_int("BAD", 0)
    with pytest.raises(ImproperlyConfigured, match="below the minimum"):
        env.get_int("LOW", 0, minimum=8)


def test_lists_and_choices():
    env = Env({"HOSTS": "a.se, b.se", "EMPTY_ITEM": "a,,b", "LEVEL": "LOUD"})
    assert env.get_list("HOSTS", []) == ["a.se", "b.se"]
    with pytest.raises(ImproperlyConfigured, match="empty item"):
        env.get_list("EMPTY_ITEM", [])
    with pytest.raises(ImproperlyConfigured, match="must be one of"):
        env.get_choice("LEVEL", "INFO", {"INFO", "DEBUG"})


def test_swedish_is_shown_whatever_the_browser_asks_for(client):
    from django.urls import reverse

    page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "Logga in" in page.content.decode()
    assert page["Content-Language"] == "sv"


def test_english_when_chosen_in_the_language_menu(client):
    from django.conf import settings
    from django.urls import reverse

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("login"))
    assert "Log in" in page.content.decode()


def _database_options(**env: str) -> dict[str, object]:
    """The database OPTIONS the settings make from these environment variables."""
    import json
    import os
    import subprocess
    import sys

    code = "import json, config.settings as s; print(json.dumps(s.DATABASES['default'].get('OPTIONS', {})))"  # noqa: E501
    run_env = {k: v for k, v in os.environ.items() if not k.startswith(("DB_", "DATABASE_"))}
    run_env.update(SECRET_KEY="x", **env)
    out = subprocess.run(  # noqa: S603 - this Python, a fixed program
        [sys.executable, "-c", code], env=run_env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_postgresql_plans_long_joins_in_the_order_written():
    """docs/decisions/0006: beyond 4 relations PostgreSQL keeps the joins' written order,
    so a read with its related rows is not planned for longer than it runs."""
    url = "postgres://u@db.example/app"
    options = _database_options(DATABASE_URL=url)["options"]
    assert options == "-c join_collapse_limit=4 -c from_collapse_limit=4"
    assert "options" not in _database_options(DATABASE_URL=url, DB_JOIN_COLLAPSE_LIMIT="0")
    kept = _database_options(DATABASE_URL=url + "?options=-c%20statement_timeout%3D5000")
    assert kept["options"] == (
        "-c statement_timeout=5000 -c join_collapse_limit=4 -c from_collapse_limit=4"
    )
    assert "options" not in _database_options(DATABASE_URL="sqlite:////tmp/x.sqlite3")


def test_postgresql_binds_parameters_on_the_server_and_prepares_repeated_statements():
    """docs/decisions/0008: on PostgreSQL a statement run 5 times on a connection is
    prepared; DB_PREPARE_THRESHOLD=0 binds on the client as Django does by default."""
    url = "postgres://u@db.example/app"
    options = _database_options(DATABASE_URL=url)
    assert options["server_side_binding"] is True
    assert options["prepare_threshold"] == 5
    assert _database_options(DATABASE_URL=url, DB_PREPARE_THRESHOLD="2")["prepare_threshold"] == 2
    off = _database_options(DATABASE_URL=url, DB_PREPARE_THRESHOLD="0")
    assert "server_side_binding" not in off
    assert "prepare_threshold" not in off
    assert (
        _database_options(DATABASE_URL=url, DB_PREPARE_THRESHOLD="0", DB_JOIN_COLLAPSE_LIMIT="0")
        == {}
    )
    sqlite = _database_options(DATABASE_URL="sqlite:////tmp/x.sqlite3")
    assert "server_side_binding" not in sqlite


@pytest.mark.django_db
def test_the_live_postgresql_connection_has_the_limit():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL setting")
    with connection.cursor() as cursor:
        cursor.execute("SHOW join_collapse_limit")
        limit = cursor.fetchone()[0]
    options = str(connection.settings_dict.get("OPTIONS", {}).get("options", ""))
    expected = options.split("join_collapse_limit=")[1].split()[0] if options else "8"
    assert limit == expected


@pytest.mark.django_db
def test_the_live_postgresql_connection_prepares_a_repeated_orm_query():
    """A query the ORM sends again and again is prepared on the server, and its answers
    stay right when the parameters change."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL setting")
    threshold = connection.settings_dict["OPTIONS"].get("prepare_threshold")
    if not threshold:
        pytest.skip("DB_PREPARE_THRESHOLD=0: client-side binding")
    user_model = get_user_model()
    users = [user_model.objects.create(username=f"prepared-{i}") for i in range(3)]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        before = cursor.fetchone()[0]
    for round_ in range(threshold + 2):
        user = users[round_ % len(users)]
        assert user_model.objects.filter(pk=user.pk).values_list("username", flat=True).get() == (
            user.username
        )
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        statements = [row[0] for row in cursor.fetchall()]
    assert len(statements) > before
    assert any('"username"' in s and "$1" in s for s in statements)
