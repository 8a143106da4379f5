"""Loading the registry's reference data: principals and agreements with their parties.

The files under ``registry/reference/`` are the project's own copy of the facts in the
seeds (``principals.csv`` is ``shared/data/principals.csv``). Loading is idempotent:
a second run finds every row in place and changes nothing.
"""

from __future__ import annotations

import csv
import datetime
import json
from collections import Counter
from pathlib import Path
from typing import cast

from django.db import transaction

from registry.actions import agreement_sign
from registry.choices import PrincipalKind
from registry.models import Agreement, AgreementSignature, MunicipalAssociation, Principal

REFERENCE_DIR = Path(__file__).resolve().parent / "reference"
POPULATION_DATE = datetime.date(2021, 12, 31)


def principals_load(path: Path = REFERENCE_DIR / "principals.csv") -> Counter[str]:
    counts: Counter[str] = Counter()
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            association = None
            if row["association"]:
                association, created = MunicipalAssociation.objects.get_or_create(
                    name=row["association"]
                )
                counts["association_created"] += created
            values = {
                "name": row["name"],
                "kind": PrincipalKind(row["kind"]),
                "association": association,
                "population": int(row["population_2021_12_31"]),
                "population_date": POPULATION_DATE,
            }
            principal = Principal.objects.filter(code=row["code"]).first()
            if principal is None:
                Principal.objects.create(code=row["code"], **values)
                counts["principal_created"] += 1
                continue
            changed = [k for k, v in values.items() if getattr(principal, k) != v]
            if changed:
                for key in changed:
                    setattr(principal, key, values[key])
                principal.save(update_fields=changed)
                counts["principal_updated"] += 1
    return counts


def _parties(spec: dict[str, object]) -> list[Principal]:
    excluded = set(cast(list[str], spec.get("except", [])))
    qs = Principal.objects.exclude(code__in=excluded)
    if spec["who"] == "municipalities_except":
        qs = qs.filter(kind=PrincipalKind.MUNICIPALITY)
    elif spec["who"] not in ("all", "all_except"):
        raise ValueError(f"Unknown parties rule {spec['who']!r}")
    return list(qs.order_by("code"))


def agreements_load(path: Path = REFERENCE_DIR / "agreements.json") -> Counter[str]:
    counts: Counter[str] = Counter()
    data = json.loads(path.read_text(encoding="utf-8"))
    for item in data["agreements"]:
        values = {
            "name": item["name"],
            "kind": item["kind"],
            "area": item["area"],
            "supplements": (
                Agreement.objects.get(code=item["supplements"]) if item["supplements"] else None
            ),
            "in_force_from": datetime.date.fromisoformat(item["in_force_from"]),
            "description": item["description"],
        }
        agreement, created = Agreement.objects.get_or_create(code=item["code"], defaults=values)
        counts["agreement_created"] += created
        signed_on = datetime.date.fromisoformat(item["parties"]["signed_on"])
        for principal in _parties(item["parties"]):
            # A party that has a signature already (perhaps it has left since) is not
            # signed again: the registry, not this file, is the truth after the first load.
            if AgreementSignature.objects.filter(agreement=agreement, principal=principal).exists():
                continue
            agreement_sign(
                principal=principal, agreement=agreement, signed_on=signed_on, acting_user=None
            )
            counts["signature_created"] += 1
    return counts


@transaction.atomic
def registry_reference_load() -> Counter[str]:
    counts = principals_load()
    counts.update(agreements_load())
    return counts
