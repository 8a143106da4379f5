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
