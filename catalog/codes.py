"""Validation and meaning of the classification codes the assortment uses.

ICF (the WHO International Classification of Functioning, Disability and Health) codes
state criteria and goals in the guidance; ISO 9999 classifies the assistive product.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Component letter, then a chapter digit and optionally the second (two digits), third and
# fourth levels (one digit each): b1, b144, b1440, d57020.
ICF_CODE_RE = re.compile(r"^(?P<component>[bsde])(?P<digits>\d(?:\d{2}(?:\d{1,2})?)?)$")
ICF_QUALIFIERS = {0, 1, 2, 3, 4, 8, 9}

ICF_COMPONENTS = {
    "b": _("Body functions"),
    "s": _("Body structures"),
    "d": _("Activities and participation"),
    "e": _("Environmental factors"),
}

# The generic qualifier's scale. Body functions and structures have impairments,
# activities have difficulties, environmental factors are barriers.
_QUALIFIER_WORDS = {
    "b": {
        0: _("no impairment"),
        1: _("mild impairment"),
        2: _("moderate impairment"),
        3: _("severe impairment"),
        4: _("complete impairment"),
    },
    "d": {
        0: _("no difficulty"),
        1: _("mild difficulty"),
        2: _("moderate difficulty"),
        3: _("severe difficulty"),
        4: _("complete difficulty"),
    },
    "e": {
        0: _("no barrier"),
        1: _("mild barrier"),
        2: _("moderate barrier"),
        3: _("severe barrier"),
        4: _("complete barrier"),
    },
}
_QUALIFIER_WORDS["s"] = _QUALIFIER_WORDS["b"]
_QUALIFIER_COMMON = {8: _("not specified"), 9: _("not applicable")}


@dataclass(frozen=True)
class IcfReference:
    """A parsed ICF code with an optional qualifier, e.g. ``b144.2``."""

    code: str
    qualifier: int | None

    @property
    def component(self) -> str:
        return self.code[0]

    def __str__(self) -> str:
        return self.code if self.qualifier is None else f"{self.code}.{self.qualifier}"


def icf_code_validate(code: str) -> str:
    """Return the normalised code or raise ValidationError with a message for the user."""
    normalised = code.strip().lower()
    if not ICF_CODE_RE.match(normalised):
        raise ValidationError(
            _(
                "“%(code)s” is not an ICF code: it must start with b, s, d or e followed by "
                "1, 3, 4 or 5 digits, for example b144 or d57020."
            ),
            code="invalid_icf_code",
            params={"code": code},
        )
    return normalised


def icf_qualifier_validate(qualifier: int | None) -> int | None:
    if qualifier is not None and qualifier not in ICF_QUALIFIERS:
        raise ValidationError(
            _("The ICF qualifier must be 0, 1, 2, 3, 4, 8 or 9, not %(value)s."),
            code="invalid_icf_qualifier",
            params={"value": qualifier},
        )
    return qualifier


def icf_parse(text: str) -> IcfReference:
    """Parse ``b144.2`` or ``d57020`` into an IcfReference, validating both parts."""
    raw = text.strip()
    code_part, dot, qualifier_part = raw.partition(".")
    code = icf_code_validate(code_part)
    qualifier: int | None = None
    if dot:
        if not qualifier_part.isdigit() or len(qualifier_part) != 1:
            raise ValidationError(
                _("“%(text)s”: write one qualifier digit after the dot, for example b144.2."),
                code="invalid_icf_qualifier",
                params={"text": text},
            )
        qualifier = icf_qualifier_validate(int(qualifier_part))
    return IcfReference(code=code, qualifier=qualifier)


def icf_qualifier_meaning(component: str, qualifier: int) -> str:
    """The qualifier in words for the component, e.g. ``moderate impairment`` for b.2."""
    if qualifier in _QUALIFIER_COMMON:
        return str(_QUALIFIER_COMMON[qualifier])
    return str(_QUALIFIER_WORDS[component][qualifier])


# ISO 9999 codes: class, subclass and division, two digits each, written with spaces.
ISO_9999_RE = re.compile(r"^(\d{2})(?: ?(\d{2}))?(?: ?(\d{2}))?$")


def iso9999_normalise(code: str) -> str:
    """Return the code as ``NN NN NN`` (or a shorter class/subclass) or raise ValidationError."""
    match = ISO_9999_RE.match(code.strip())
    if not match:
        raise ValidationError(
            _(
                "“%(code)s” is not an ISO 9999 code: write class, subclass and division as "
                "two digits each, for example 04 24 03."
            ),
            code="invalid_iso_code",
            params={"code": code},
        )
    return " ".join(part for part in match.groups() if part)


def iso9999_validator(code: str) -> None:
    iso9999_normalise(code)


def icf_code_validator(code: str) -> None:
    icf_code_validate(code)
