"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

See ``browser_tests/conftest.py`` for the fixtures and ``browser_tests/helpers.py`` for
``login`` and ``shot``. Run them alone with ``pytest browser_tests`` or leave them out
with ``pytest -m "not browser"``.
"""
