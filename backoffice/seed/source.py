"""Reading the UCI Online Retail CSV (plain or ``.xz``) into ``SourceLine``s worth keeping."""

from __future__ import annotations

import csv
import io
import lzma
import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

DEFAULT_SOURCE = Path(__file__).resolve().parent.parent / "data" / "online_retail.csv.xz"
SKU_PATTERN = re.compile(r"^[0-9]{5}[A-Za-z]{0,2}$")
CENT = Decimal("0.01")
SOURCE_COLUMNS = (
    "InvoiceNo",
    "StockCode",
    "Description",
    "Quantity",
    "InvoiceDate",
    "UnitPrice",
    "CustomerID",
    "Country",
)


def money(value: Decimal) -> Decimal:
    """``value`` rounded to pennies."""
    return value.quantize(CENT)


@dataclass(frozen=True)
class SourceLine:
    """One kept line item of the source file (dates not shifted yet)."""

    invoice: str
    sku: str
    description: str
    quantity: int
    at: datetime
    price: Decimal
    customer_id: int
    country: str

    @property
    def is_cancellation(self) -> bool:
        return self.invoice.startswith("C")


def _open_text(source: Path) -> io.TextIOBase:
    if source.suffix == ".xz":
        return io.TextIOWrapper(lzma.open(source, "rb"), encoding="utf-8", newline="")
    return open(source, encoding="utf-8", newline="")  # noqa: SIM115


def _parse_datetime(value: str) -> datetime:
    try:
        return datetime.fromisoformat(value)
    except ValueError:  # the original UCI spreadsheet export: 12/1/2010 8:26
        return datetime.strptime(value, "%m/%d/%Y %H:%M")


class _Parser:
    """Turns CSV rows into ``SourceLine``s, caching the many repeated dates and prices."""

    def __init__(self, header: list[str]) -> None:
        self.columns = [header.index(name) for name in SOURCE_COLUMNS]
        self.dates: dict[str, datetime] = {}
        self.prices: dict[str, Decimal] = {}

    def __call__(self, row: list[str]) -> SourceLine | None:
        invoice, sku, description, quantity_text, when, price_text, customer, country = (
            row[i].strip() for i in self.columns
        )
        if not customer or not SKU_PATTERN.match(sku):
            return None
        price = self.prices.get(price_text)
        if price is None:
            price = self.prices[price_text] = money(Decimal(price_text))
        quantity, cancellation = int(quantity_text), invoice.startswith("C")
        if price <= 0 or quantity == 0 or (quantity < 0) != cancellation:
            return None
        at = self.dates.get(when)
        if at is None:
            at = self.dates[when] = _parse_datetime(when)
        return SourceLine(
            invoice, sku.upper(), description, quantity, at, price, int(float(customer)), country or "Unspecified"
        )


def read_source(source: Path) -> list[SourceLine]:
    """The line items worth keeping: a customer, a positive price and a product code."""
    with _open_text(source) as handle:
        reader = csv.reader(handle)
        parse = _Parser(next(reader))
        return [line for row in reader if (line := parse(row)) is not None]
