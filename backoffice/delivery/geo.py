"""Offline geocoding of UK addresses: postcode-district centroids plus a stable offset per address.

There is no internet in the shop's back office, so an address is placed at the centroid of its postcode district
(a small hand-made table, approximate to a few hundred metres) and moved by a deterministic offset of up to
``OFFSET_KM`` computed from a hash of the full postcode and the first address line. Two orders to the same door
land on the same point; neighbours in one district land apart; the same address lands in the same place on every
run. A place outside the table is refused with a reason, never guessed.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass

OFFSET_KM = 1.5
KM_PER_DEGREE_LAT = 111.32

# Post towns (city centres), the names orders carry in ``ship_city``.
TOWNS: dict[str, tuple[float, float]] = {
    "London": (51.5074, -0.1278), "Manchester": (53.4808, -2.2426), "Birmingham": (52.4862, -1.8904),
    "Leeds": (53.8008, -1.5491), "Bristol": (51.4545, -2.5879), "Glasgow": (55.8642, -4.2518),
    "Edinburgh": (55.9533, -3.1883), "Cardiff": (51.4816, -3.1791), "Liverpool": (53.4084, -2.9916),
    "Nottingham": (52.9548, -1.1581), "Sheffield": (53.3811, -1.4701), "Brighton": (50.8225, -0.1372),
    "Oxford": (51.7520, -1.2577), "York": (53.9600, -1.0873), "Norwich": (52.6309, 1.2974),
    "Bath": (51.3811, -2.3590), "St Helier": (49.1860, -2.1060), "St Peter Port": (49.4560, -2.5370),
}  # fmt: skip

# Postcode district -> (post town, latitude, longitude): every district the demo seed uses, plus central London.
DISTRICTS: dict[str, tuple[str, float, float]] = {
    # London (the demo seed uses SW1A, E1 and N1)
    "E1": ("London", 51.5175, -0.0580), "E2": ("London", 51.5300, -0.0590), "E3": ("London", 51.5280, -0.0240),
    "E8": ("London", 51.5440, -0.0640), "E14": ("London", 51.5080, -0.0200), "E15": ("London", 51.5400, 0.0000),
    "EC1A": ("London", 51.5180, -0.0990), "EC1V": ("London", 51.5270, -0.0980),
    "EC2A": ("London", 51.5230, -0.0810), "EC3A": ("London", 51.5150, -0.0790),
    "EC4A": ("London", 51.5150, -0.1080), "N1": ("London", 51.5380, -0.0950), "N4": ("London", 51.5700, -0.1050),
    "N7": ("London", 51.5530, -0.1170), "NW1": ("London", 51.5330, -0.1450), "NW3": ("London", 51.5530, -0.1750),
    "SE1": ("London", 51.4990, -0.0950), "SE10": ("London", 51.4820, -0.0050),
    "SE15": ("London", 51.4700, -0.0650), "SW1A": ("London", 51.5030, -0.1350),
    "SW1P": ("London", 51.4960, -0.1300), "SW3": ("London", 51.4900, -0.1680), "SW9": ("London", 51.4680, -0.1150),
    "SW11": ("London", 51.4650, -0.1650), "W1D": ("London", 51.5130, -0.1320), "W1T": ("London", 51.5200, -0.1370),
    "W2": ("London", 51.5150, -0.1800), "W8": ("London", 51.5000, -0.1930), "WC1A": ("London", 51.5180, -0.1250),
    "WC2N": ("London", 51.5090, -0.1250),
    # The other towns of the demo seed
    "M1": ("Manchester", 53.4790, -2.2350), "B1": ("Birmingham", 52.4800, -1.9050), "LS1": ("Leeds", 53.7970, -1.5480),
    "BS1": ("Bristol", 51.4530, -2.5950), "G1": ("Glasgow", 55.8600, -4.2500), "EH1": ("Edinburgh", 55.9510, -3.1880),
    "CF10": ("Cardiff", 51.4760, -3.1760), "L1": ("Liverpool", 53.4030, -2.9810),
    "NG1": ("Nottingham", 52.9540, -1.1500), "S1": ("Sheffield", 53.3800, -1.4700),
    "BN1": ("Brighton", 50.8290, -0.1400), "OX1": ("Oxford", 51.7500, -1.2570), "YO1": ("York", 53.9590, -1.0820),
    "NR1": ("Norwich", 52.6280, 1.2990), "BA1": ("Bath", 51.3830, -2.3620),
    "JE2": ("St Helier", 49.1860, -2.1050), "GY1": ("St Peter Port", 49.4570, -2.5370),
}  # fmt: skip

UK_COUNTRIES = frozenset({"united kingdom", "uk", "gb", "great britain", "england", "scotland", "wales",
                          "northern ireland", "channel islands"})
POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)(?: ?([0-9][A-Z]{2}))?$")


class UnknownPlace(ValueError):
    """An address the offline table cannot place; the message says why."""


@dataclass(frozen=True)
class Location:
    """Where an address is: latitude and longitude in degrees, and the postcode district it was placed in."""

    lat: float
    lon: float
    district: str

    @property
    def point(self) -> tuple[float, float]:
        return (self.lat, self.lon)


def normalise_postcode(postcode: str) -> str:
    """``"sw1a1aa"`` -> ``"SW1A 1AA"``; anything that is not a UK postcode comes back upper-cased and trimmed."""
    compact = "".join(postcode.split()).upper()
    match = POSTCODE.match(compact if len(compact) <= 4 else f"{compact[:-3]} {compact[-3:]}")
    if not match:
        return " ".join(postcode.split()).upper()
    return f"{match.group(1)} {match.group(2)}" if match.group(2) else match.group(1)


def district_of(postcode: str) -> str | None:
    """The outward code (district) of a UK postcode, or None when ``postcode`` is not one."""
    match = POSTCODE.match(normalise_postcode(postcode))
    return match.group(1) if match else None


def _same_town(city: str, town: str) -> bool:
    wanted = " ".join(city.split(",")[0].split()).casefold()
    return wanted == town.casefold()


def geocode(*, line1: str, city: str, postcode: str, country: str) -> Location:
    """The location of a UK address; raises :class:`UnknownPlace` when the table cannot place it."""
    if " ".join(country.split()).casefold() not in UK_COUNTRIES:
        raise UnknownPlace(f"only UK addresses can be placed, this one is in {country or 'an unnamed country'}")
    district = district_of(postcode)
    if district is None:
        raise UnknownPlace(f"{postcode or 'an empty postcode'!r} is not a UK postcode")
    known = DISTRICTS.get(district)
    if known is None:
        raise UnknownPlace(f"postcode district {district} is not in the delivery map (backoffice/delivery/geo.py)")
    town, lat, lon = known
    if not _same_town(city, town):
        raise UnknownPlace(f"postcode district {district} is in {town}, but the address says {city or 'no town'}")
    north, east = _offset_km(normalise_postcode(postcode), line1)
    return Location(lat + north / KM_PER_DEGREE_LAT, lon + east / (KM_PER_DEGREE_LAT * math.cos(math.radians(lat))),
                    district)


def _offset_km(postcode: str, line1: str) -> tuple[float, float]:
    """A stable (north, east) offset in km, uniform over a disc of radius ``OFFSET_KM``."""
    key = f"{postcode}|{' '.join(line1.split()).casefold()}".encode()
    digest = hashlib.blake2b(key, digest_size=16).digest()
    u = int.from_bytes(digest[:8], "big") / 2**64
    v = int.from_bytes(digest[8:], "big") / 2**64
    radius, angle = OFFSET_KM * math.sqrt(u), 2 * math.pi * v
    return radius * math.cos(angle), radius * math.sin(angle)
