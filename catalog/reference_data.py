"""Loading the assortment's reference data: ICF titles, products and their guidance.

Products are created when missing and otherwise left as the coordinators have kept
them; guidance versions are added when their date is missing. A second run changes
nothing.
"""

from __future__ import annotations

import csv
import datetime
import json
from collections import Counter
from decimal import Decimal
from pathlib import Path

from django.db import transaction

from catalog.actions import CodeSpec, RuleSpec, guidance_version_create
from catalog.choices import CodeKind
from catalog.models import GuidanceVersion, IcfCode, Product

REFERENCE_DIR = Path(__file__).resolve().parent / "reference"


def icf_codes_load(path: Path = REFERENCE_DIR / "icf_codes.csv") -> Counter[str]:
    counts: Counter[str] = Counter()
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            _obj, created = IcfCode.objects.get_or_create(
                code=row["code"], defaults={"title": row["title"]}
            )
            counts["icf_created"] += created
    return counts


def _money(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def products_load(path: Path = REFERENCE_DIR / "products.json") -> Counter[str]:
    counts: Counter[str] = Counter()
    data = json.loads(path.read_text(encoding="utf-8"))
    for item in data["products"]:
        product = Product.objects.filter(article_number=item["article_number"]).first()
        if product is None:
            product = Product(
                article_number=item["article_number"],
                name=item["name"],
                supplier=item["supplier"],
                description=item["description"],
                iso_code=item["iso_code"],
                iso_edition=data["iso_edition"],
                area=item["area"],
                billing_type=item["billing_type"],
                monthly_rent=_money(item["monthly_rent"]),
                price=_money(item["price"]),
                agreed_delivery_days=item["agreed_delivery_days"],
                contract_start=(
                    datetime.date.fromisoformat(item["contract_start"])
                    if item["contract_start"]
                    else None
                ),
                training_required=item["training_required"],
                status=item["status"],
                is_example=item["is_example"],
            )
            product.full_clean()
            product.save()
            counts["product_created"] += 1
        for spec in item["guidance"]:
            valid_from = datetime.date.fromisoformat(spec["valid_from"])
            if GuidanceVersion.objects.filter(product=product, valid_from=valid_from).exists():
                continue
            guidance_version_create(
                product=product,
                valid_from=valid_from,
                handbook=spec["handbook"],
                cost_bearer=spec["cost_bearer"],
                criteria_rule=spec["criteria_rule"],
                intended_use=spec["intended_use"],
                consultation_required=spec["consultation_required"],
                text=spec["text"],
                source=spec["source"],
                source_note=spec["source_note"],
                rules=[RuleSpec(*rule) for rule in spec["rules"]],
                codes=[CodeSpec(CodeKind.CRITERION, ref, words) for ref, words in spec["criteria"]]
                + [CodeSpec(CodeKind.GOAL, ref, words) for ref, words in spec["goals"]],
                acting_user=None,
                allow_past=True,
            )
            counts["guidance_created"] += 1
    return counts


@transaction.atomic
def catalog_reference_load() -> Counter[str]:
    counts = icf_codes_load()
    counts.update(products_load())
    return counts
