"""Deterministic fake data for the demo shop: stable hashes, word lists and name, address and number makers.

Nothing here is random: every choice is a pure function of its ``parts`` (see ``backoffice/data/ATTRIBUTION.md``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from typing import Any

FIRST_NAMES = (
    "Olivia", "Amelia", "Isla", "Ava", "Mia", "Grace", "Sophie", "Emily", "Ella", "Lily", "Freya", "Chloe", "Hannah",
    "Alice", "Lucy", "Clara", "Nora", "Elena", "Marie", "Ines", "Oliver", "George", "Harry", "Jack", "Noah", "Leo",
    "Oscar", "Arthur", "Henry", "Thomas", "James", "William", "Samuel", "Daniel", "Lucas", "Luca", "Hugo", "Felix",
    "Jonas", "Mateo",
)  # fmt: skip
LAST_NAMES = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson", "Wright", "Thompson",
    "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson", "Clarke", "Patel", "Khan", "Lewis",
    "Harris", "Martin", "Cooper", "King", "Baker", "Turner", "Hill", "Murphy", "Kelly", "Muller", "Schmidt",
    "Dubois", "Moreau", "Garcia", "Rossi", "Jansen", "Nielsen",
)  # fmt: skip

# country -> ((city, postcode template), ...): "#" is a digit, "?" an upper-case letter.
CITIES: dict[str, tuple[tuple[str, str], ...]] = {
    "United Kingdom": (
        ("London", "SW1A #??"), ("London", "E1 #??"), ("London", "N1 #??"), ("Manchester", "M1 #??"),
        ("Birmingham", "B1 #??"), ("Leeds", "LS1 #??"), ("Bristol", "BS1 #??"), ("Glasgow", "G1 #??"),
        ("Edinburgh", "EH1 #??"), ("Cardiff", "CF10 #??"), ("Liverpool", "L1 #??"), ("Nottingham", "NG1 #??"),
        ("Sheffield", "S1 #??"), ("Brighton", "BN1 #??"), ("Oxford", "OX1 #??"), ("York", "YO1 #??"),
        ("Norwich", "NR1 #??"), ("Bath", "BA1 #??"),
    ),
    "Germany": (("Berlin", "10###"), ("Hamburg", "20###"), ("Munich", "80###"), ("Cologne", "50###")),
    "France": (("Paris", "750##"), ("Lyon", "6900#"), ("Marseille", "130##"), ("Lille", "590##")),
    "EIRE": (("Dublin", "D0# ?###"), ("Cork", "T12 ?###"), ("Galway", "H91 ?###")),
    "Spain": (("Madrid", "280##"), ("Barcelona", "080##"), ("Valencia", "460##")),
    "Netherlands": (("Amsterdam", "10## ??"), ("Rotterdam", "30## ??"), ("Utrecht", "35## ??")),
    "Belgium": (("Brussels", "10#0"), ("Antwerp", "20#0"), ("Ghent", "90#0")),
    "Switzerland": (("Zurich", "80##"), ("Geneva", "12##"), ("Basel", "40##")),
    "Portugal": (("Lisbon", "1###-###"), ("Porto", "4###-###")),
    "Australia": (("Sydney NSW", "2###"), ("Melbourne VIC", "3###")),
    "Norway": (("Oslo", "0###"), ("Bergen", "50##")),
    "Italy": (("Rome", "001##"), ("Milan", "201##"), ("Florence", "501##")),
    "Channel Islands": (("St Helier, Jersey", "JE2 #??"), ("St Peter Port, Guernsey", "GY1 #??")),
    "Finland": (("Helsinki", "00###"), ("Tampere", "33###")),
    "Cyprus": (("Nicosia", "1###"), ("Limassol", "3###")),
    "Sweden": (("Stockholm", "1## ##"), ("Gothenburg", "4## ##")),
    "Austria": (("Vienna", "1##0"), ("Salzburg", "50#0")),
    "Denmark": (("Copenhagen", "1###"), ("Aarhus", "8000")),
    "Japan": (("Tokyo", "1##-####"), ("Osaka", "5##-####")),
    "Poland": (("Warsaw", "00-###"), ("Krakow", "30-###")),
    "Israel": (("Tel Aviv", "6######"), ("Haifa", "3######")),
    "USA": (("New York, NY", "100##"), ("Boston, MA", "021##"), ("Chicago, IL", "606##")),
    "Hong Kong": (("Hong Kong", "999077"),),
    "Singapore": (("Singapore", "0#####"),),
    "Iceland": (("Reykjavik", "1#1"),),
    "Canada": (("Toronto, ON", "M5V #?#"), ("Vancouver, BC", "V6B #?#")),
    "Greece": (("Athens", "10# ##"), ("Thessaloniki", "54# ##")),
    "Malta": (("Valletta", "VLT ####"), ("Sliema", "SLM ####")),
    "United Arab Emirates": (("Dubai", "00000"), ("Abu Dhabi", "00000")),
    "RSA": (("Cape Town", "80##"), ("Johannesburg", "20##")),
    "Lebanon": (("Beirut", "1107 2###"),),
    "Lithuania": (("Vilnius", "LT-0####"), ("Kaunas", "LT-4####")),
    "Brazil": (("Sao Paulo", "01###-###"), ("Rio de Janeiro", "20###-###")),
    "Czech Republic": (("Prague", "1## 00"), ("Brno", "6## 00")),
    "Bahrain": (("Manama", "3##"),),
    "Saudi Arabia": (("Riyadh", "1####"), ("Jeddah", "2####")),
    "European Community": (("Brussels", "10#0"), ("Luxembourg", "L-1###")),
}  # fmt: skip
FALLBACK_CITIES = (("Capital City", "#####"),)
# country -> (street names, house number first?)
STREETS: dict[str, tuple[tuple[str, ...], bool]] = {
    "Germany": (("Hauptstrasse", "Bahnhofstrasse", "Gartenweg", "Schillerstrasse", "Lindenallee"), False),
    "Austria": (("Hauptstrasse", "Bahnhofstrasse", "Gartenweg", "Mozartgasse"), False),
    "Switzerland": (("Bahnhofstrasse", "Seestrasse", "Dorfstrasse", "Rue du Lac"), False),
    "France": (("rue de la Paix", "avenue Victor Hugo", "rue du Moulin", "boulevard Voltaire"), True),
    "Belgium": (("Rue Neuve", "Kerkstraat", "Avenue Louise", "Stationsstraat"), False),
    "Spain": (("Calle Mayor", "Calle de Alcala", "Avenida del Puerto", "Calle Real"), False),
    "Portugal": (("Rua Augusta", "Avenida da Liberdade", "Rua do Carmo"), False),
    "Italy": (("Via Roma", "Via Garibaldi", "Corso Italia", "Via Dante"), False),
    "Netherlands": (("Kerkstraat", "Prinsengracht", "Dorpsstraat", "Molenweg"), False),
    "Denmark": (("Vestergade", "Norregade", "Strandvejen"), False),
    "Norway": (("Storgata", "Kirkeveien", "Strandgata"), False),
    "Sweden": (("Storgatan", "Drottninggatan", "Kungsgatan"), False),
    "Finland": (("Mannerheimintie", "Aleksanterinkatu", "Hameenkatu"), False),
    "Poland": (("ul. Dluga", "ul. Marszalkowska", "ul. Polna"), False),
}
DEFAULT_STREETS = (
    ("High Street", "Station Road", "Church Lane", "Mill Road", "Park Avenue", "Victoria Road", "Queen Street",
     "Market Square", "Harbour Road", "Elm Grove", "Kings Road", "Orchard Way"),
    True,
)  # fmt: skip

CARRIERS = ("Royal Mail", "DPD", "DHL", "UPS")
CARRIER_HUBS = {
    "Royal Mail": "Royal Mail mail centre, Birmingham",
    "DPD": "DPD hub, Hinckley",
    "DHL": "DHL hub, East Midlands Airport",
    "UPS": "UPS hub, Tamworth",
}
PAYMENT_METHODS = (("card", 60), ("paypal", 30), ("bank_transfer", 10))
RETURN_REASONS = ("Changed my mind", "Arrived damaged", "Not as described", "Wrong size or colour", "Ordered twice")
SMALL_WORDS = frozenset({"a", "an", "and", "at", "by", "for", "in", "of", "on", "or", "the", "to", "with"})
ACRONYMS = frozenset({"LED", "USB", "UK", "USA", "CD", "DVD", "DIY", "PVC", "GB", "UFO"})
WORD_PATTERN = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")


def stable(*parts: object) -> int:
    """A 64-bit hash of ``parts`` that is the same in every process (unlike ``hash()``)."""
    digest = hashlib.blake2b("|".join(str(p) for p in parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def pick(options: Sequence[Any], *parts: object) -> Any:
    """One of ``options``, chosen by a stable hash of ``parts``."""
    return options[stable(*parts) % len(options)]


def fill_template(template: str, *parts: object) -> str:
    """Replace ``#`` with digits and ``?`` with letters, deterministically."""
    seed = stable(*parts)
    out = []
    for char in template:
        if char == "#":
            out.append(str(seed % 10))
            seed //= 10
        elif char == "?":
            out.append("ABDEFGHJLNPQRSTUWXYZ"[seed % 20])
            seed //= 20
        else:
            out.append(char)
    return "".join(out)


def title_case(raw: str) -> str:
    """A catalogue description (``SET OF 3 CAKE TINS``) as a product title (``Set of 3 Cake Tins``)."""
    cleaned = " ".join(raw.split()).strip(" ,.;-")

    def fix(match: re.Match[str]) -> str:
        word = match.group(0)
        if word.upper() in ACRONYMS:
            return word.upper()
        lower = word.lower()
        return lower if match.start() > 0 and lower in SMALL_WORDS else lower[0].upper() + lower[1:]

    return WORD_PATTERN.sub(fix, cleaned)


def tracking_number(carrier: str, order_number: str) -> str:
    """A carrier-shaped tracking number."""
    digits = str(stable(order_number, "tracking")).zfill(20)
    if carrier == "Royal Mail":
        return f"RM{digits[:9]}GB"
    if carrier == "DPD":
        return digits[:14]
    if carrier == "DHL":
        return digits[:10]
    return f"1Z{fill_template('??##??##########', order_number, 'ups')}"


def payment_method(order_number: str) -> str:
    """card, paypal or bank_transfer by stable weights."""
    roll = stable(order_number, "method") % 100
    for method, weight in PAYMENT_METHODS:
        if roll < weight:
            return method
        roll -= weight
    return PAYMENT_METHODS[0][0]
