"""Offline geocoding: the same address always lands on the same point, near its district; unknown places refused."""

from __future__ import annotations

import pytest

from backoffice.delivery.geo import DISTRICTS, OFFSET_KM, TOWNS, UnknownPlace, district_of, geocode, normalise_postcode
from backoffice.routing import haversine_km


def place(postcode: str = "N1 1AA", line1: str = "1 High Street", city: str = "London",
          country: str = "United Kingdom") -> tuple[float, float]:
    return geocode(line1=line1, city=city, postcode=postcode, country=country).point


def test_the_same_address_lands_on_the_same_point_every_time() -> None:
    assert place() == place()
    assert place(postcode="n11aa", line1="  1 high   street ") == place()


def test_neighbours_in_one_district_land_apart_but_near_its_centroid() -> None:
    points = {place(postcode=f"E1 {n}AB", line1=f"{n} Mill Road") for n in range(1, 10)}
    assert len(points) == 9
    _, lat, lon = DISTRICTS["E1"]
    assert all(haversine_km((lat, lon), p) <= OFFSET_KM + 1e-9 for p in points)


def test_postcodes_are_normalised_and_split() -> None:
    assert normalise_postcode("sw1a1aa") == "SW1A 1AA"
    assert district_of("SW1A 1AA") == "SW1A"
    assert district_of("CF10 3AT") == "CF10"
    assert district_of("10115") is None


@pytest.mark.parametrize(("kwargs", "words"), [
    ({"postcode": "ZZ9 9ZZ"}, "ZZ9 is not in the delivery map"),
    ({"postcode": "M1 1AA"}, "in Manchester, but the address says London"),
    ({"postcode": "75001", "city": "Paris", "country": "France"}, "only UK addresses"),
    ({"postcode": ""}, "not a UK postcode"),
])
def test_unknown_places_are_refused_with_the_reason(kwargs: dict[str, str], words: str) -> None:
    with pytest.raises(UnknownPlace, match=words):
        place(**kwargs)


def test_every_district_lies_in_its_town() -> None:
    for district, (town, lat, lon) in DISTRICTS.items():
        assert haversine_km(TOWNS[town], (lat, lon)) < 15, district


def test_the_seeds_uk_postcode_districts_are_all_known() -> None:
    from backoffice.seed.fake import CITIES

    for city, template in CITIES["United Kingdom"]:
        district = template.split()[0]
        assert DISTRICTS[district][0] == city
