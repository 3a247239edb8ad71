"""The demo seed's SIMULATED fraud: every order gets card/device/address ids; the three handbook scenarios are
injected as marked orders and labels that become known after the delay."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from backoffice.seed.fraud import LABEL_DELAY_DAYS, SCENARIOS, assign_entities, inject_fraud, label_rows
from backoffice.seed.plan import OrderPlan, build_customer

NOW = datetime(2026, 6, 1)


def plans() -> list[OrderPlan]:
    out = []
    for day in range(120):
        for cid in range(1, 9):
            if (day + cid) % 3 == 0:
                plan = OrderPlan(0, str(500000 + len(out)), cid, NOW - timedelta(days=120 - day, hours=cid))
                plan.total = Decimal(20 * cid)
                out.append(plan)
    return out


def test_simulated_fraud_follows_the_three_scenarios_and_is_marked() -> None:
    orders = plans()
    assign_entities(orders)
    assert all(p.instrument_id and p.device_id and p.address_id for p in orders)
    customers = {cid: build_customer(cid, "United Kingdom", NOW - timedelta(days=200)) for cid in range(1, 9)}
    products = [{"sku": f"SKU{i}", "price": Decimal("2.50") + i} for i in range(10)]
    everything = inject_fraud(orders, customers, products, NOW)
    fake = [p for p in everything if p.fraud_scenario]
    assert {p.fraud_scenario for p in fake} == set(SCENARIOS)
    assert all(p.number.startswith("9") and p.placed_at < NOW for p in fake)
    assert [p.id for p in everything] == list(range(1, len(everything) + 1))
    assert [p.placed_at for p in everything] == sorted(p.placed_at for p in everything)
    takeover = [p for p in fake if p.fraud_scenario == "leaked_credentials"]
    assert all(p.ship and p.address_id.startswith("addr-drop-") and p.device_id.startswith("dev-ato-")
               for p in takeover)
    labels = label_rows(everything)
    assert len(labels) == len(fake)
    assert all(row["simulated"] and row["source"] == "simulated" and row["is_fraud"] for row in labels)
    assert all("SIMULATED" in row["reason"] for row in labels)
    by_id = {p.id: p for p in everything}
    assert all(row["known_at"] == by_id[row["order_id"]].placed_at + timedelta(days=LABEL_DELAY_DAYS)
               for row in labels)


def test_the_same_input_gives_the_same_simulation() -> None:
    def run() -> list[tuple[str, str | None, Decimal]]:
        orders = plans()
        assign_entities(orders)
        customers = {cid: build_customer(cid, "United Kingdom", NOW) for cid in range(1, 9)}
        products = [{"sku": "A", "price": Decimal("3.00")}, {"sku": "B", "price": Decimal("7.25")}]
        return [(p.number, p.fraud_scenario, p.total) for p in inject_fraud(orders, customers, products, NOW)]

    assert run() == run()
