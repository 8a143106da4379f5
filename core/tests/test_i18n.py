"""The Swedish catalogue is complete and its compiled form matches it."""

import gettext
from pathlib import Path

import polib
from django.conf import settings

PO = Path(settings.BASE_DIR) / "locale" / "sv" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def test_every_string_has_a_swedish_translation():
    catalogue = polib.pofile(str(PO))
    missing = [e.msgid for e in catalogue if not e.obsolete and not e.translated()]
    assert missing == []
    assert not [e.msgid for e in catalogue if "fuzzy" in e.flags]


def test_compiled_catalogue_matches_the_source():
    catalogue = polib.pofile(str(PO))
    with MO.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for entry in catalogue:
        if entry.obsolete or entry.msgid_plural:
            continue
        key = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
        assert compiled.gettext(key) == entry.msgstr, entry.msgid
