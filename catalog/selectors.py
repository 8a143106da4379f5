"""Reads of the assortment: the catalogue search, the guidance in force, prescribing rights."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from django.db.models import Case, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.choices import CodeKind, GuidanceAction, ProductStatus
from catalog.codes import icf_qualifier_meaning
from catalog.models import GuidanceCode, GuidanceVersion, IcfCode, PrescriberRule, Product
from registry.choices import CareSetting, Profession

_ISO_QUERY_RE = re.compile(r"^\d[\d ]*$")


def product_list(*, query: str = "", area: str = "", status: str = "") -> QuerySet[Product]:
    """The catalogue: products matching a free-text query (name, article number or ISO
    9999 code) and optional area and status filters, launched products first."""
    qs = Product.objects.all()
    query = query.strip()
    if query:
        condition = Q(name__icontains=query) | Q(article_number__icontains=query)
        if _ISO_QUERY_RE.match(query):
            digits = query.replace(" ", "")
            iso_prefix = " ".join(digits[i : i + 2] for i in range(0, len(digits), 2))
            condition |= Q(iso_code__startswith=iso_prefix)
        qs = qs.filter(condition)
    if area:
        qs = qs.filter(area=area)
    if status:
        qs = qs.filter(status=status)
    # Launched products first (what a prescriber can order), then the rest, by name.
    launched_first = Case(When(status=ProductStatus.LAUNCHED, then=Value(0)), default=Value(1))
    return qs.order_by(launched_first, "name")


def product_get(*, article_number: str) -> Product | None:
    return Product.objects.filter(article_number=article_number).first()


def _guidance_queryset() -> QuerySet[GuidanceVersion]:
    return GuidanceVersion.objects.select_related("product").prefetch_related(
        Prefetch(
            "rules",
            queryset=PrescriberRule.objects.order_by("action", "profession", "care_setting"),
        ),
        Prefetch("codes", queryset=GuidanceCode.objects.order_by("kind", "position", "icf_code")),
    )


def guidance_in_force(
    *, product: Product, on: datetime.date | None = None
) -> GuidanceVersion | None:
    """The version of the product's guidance that applies to a prescription made on ``on``."""
    day = on or timezone.localdate()
    return (
        _guidance_queryset()
        .filter(product=product, valid_from__lte=day)
        .order_by("-valid_from")
        .first()
    )


def guidance_version_get(*, product: Product, version: int) -> GuidanceVersion | None:
    return _guidance_queryset().filter(product=product, version=version).first()


def guidance_versions(*, product: Product) -> QuerySet[GuidanceVersion]:
    return GuidanceVersion.objects.filter(product=product).order_by("-valid_from")


def guidance_permits(
    *, guidance: GuidanceVersion, profession: str, care_setting: str, action: str
) -> bool:
    """Whether the guidance lets the profession, working in the care setting, do ``action``."""
    return any(
        rule.action == action
        and rule.profession == profession
        and rule.care_setting == care_setting
        for rule in guidance.rules.all()
    )


@dataclass(frozen=True)
class RightCheck:
    """The answer to "may this person do this with this product?", with a coded reason."""

    allowed: bool
    code: str = ""
    message: str = ""


def prescribing_right_check(
    *, guidance: GuidanceVersion, profession: str, care_setting: str, action: str
) -> RightCheck:
    if guidance_permits(
        guidance=guidance, profession=profession, care_setting=care_setting, action=action
    ):
        return RightCheck(allowed=True)
    action_label = GuidanceAction(action).label.lower()
    return RightCheck(
        allowed=False,
        code="profession_not_permitted",
        message=_(
            "The guidance for %(product)s does not let a %(profession)s working in "
            "%(setting)s %(action)s. Those who may: %(who)s."
        )
        % {
            "product": guidance.product.name,
            "profession": Profession(profession).label.lower(),
            "setting": CareSetting(care_setting).label.lower(),
            "action": action_label,
            "who": "; ".join(
                line.sentence for group in guidance_prescribers(guidance) for line in group.lines
            )
            or _("nobody"),
        },
    )


def join_words(words: list[str]) -> str:
    """Join words the Swedish way: "a, b och c"."""
    if len(words) <= 1:
        return "".join(words)
    return _("%(first)s and %(last)s") % {"first": ", ".join(words[:-1]), "last": words[-1]}


@dataclass
class PrescriberLine:
    profession: str
    settings: list[str]

    @property
    def sentence(self) -> str:
        return _("%(profession)s working in %(settings)s") % {
            "profession": self.profession,
            "settings": join_words(self.settings),
        }


@dataclass
class PrescriberGroup:
    action: str
    action_label: str
    lines: list[PrescriberLine] = field(default_factory=list)


def guidance_prescribers(guidance: GuidanceVersion) -> list[PrescriberGroup]:
    """The rules in plain words, grouped by action and profession, in the handbook's order."""
    groups: dict[str, PrescriberGroup] = {}
    # The handbook's order: professions and care settings as the choices list them.
    professions, settings = list(Profession.values), list(CareSetting.values)
    rules = sorted(
        guidance.rules.all(),
        key=lambda r: (professions.index(r.profession), settings.index(r.care_setting)),
    )
    for rule in rules:
        group = groups.setdefault(
            rule.action,
            PrescriberGroup(
                action=rule.action, action_label=str(GuidanceAction(rule.action).label)
            ),
        )
        label = Profession(rule.profession).label
        line = next((ln for ln in group.lines if ln.profession == label), None)
        if line is None:
            line = PrescriberLine(profession=str(label), settings=[])
            group.lines.append(line)
        line.settings.append(str(CareSetting(rule.care_setting).label).lower())
    order = [GuidanceAction.PRESCRIBE, GuidanceAction.ORDER]
    return [groups[a] for a in order if a in groups]


@dataclass
class CodeExplained:
    reference: str
    wording: str
    icf_title: str
    qualifier_meaning: str


def guidance_codes_explained(guidance: GuidanceVersion, kind: str) -> list[CodeExplained]:
    """Criteria or goals with the ICF code, the handbook's wording and the code's meaning."""
    codes = [c for c in guidance.codes.all() if c.kind == kind]
    titles = dict(
        IcfCode.objects.filter(code__in=[c.icf_code for c in codes]).values_list("code", "title")
    )
    return [
        CodeExplained(
            reference=c.reference,
            wording=c.wording,
            icf_title=titles.get(c.icf_code, ""),
            qualifier_meaning=(
                icf_qualifier_meaning(c.icf_code[0], c.qualifier) if c.qualifier is not None else ""
            ),
        )
        for c in codes
    ]


def guidance_criteria(guidance: GuidanceVersion) -> list[CodeExplained]:
    return guidance_codes_explained(guidance, CodeKind.CRITERION)


def guidance_goals(guidance: GuidanceVersion) -> list[CodeExplained]:
    return guidance_codes_explained(guidance, CodeKind.GOAL)
