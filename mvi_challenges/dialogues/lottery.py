"""Selection by lot for city dialogues: a published, reproducible lottery.

Why it can be trusted, and how anyone recomputes it (the draw page and its JSON file give every
input; only SHA-256 of UTF-8 text is needed):

1. **A value fixed before the draw.** When staff choose selection by lot, a random 64-hex-digit
   `secret` is made and only its SHA-256, the `commitment`, is shown on the dialogue page while
   people register. Registrants cannot know the secret, so nobody can time or shape a registration
   to be drawn; the municipality cannot choose another secret after seeing who registered, because
   the published commitment would no longer match.
2. **The candidate list.** At the draw, everyone registered is listed by candidate number (their
   order of registration), with the district and age group they stated if the dialogue has quotas:
   `candidates_digest` = SHA-256 of that list as canonical JSON (sorted keys, no spaces, UTF-8).
3. **The seed** = SHA-256 of `"<secret>:<candidates_digest>"`, published with the secret after the
   draw. Adding or removing a candidate changes the seed, and so the whole order.
4. **The drawn order**: each candidate number n gets the key SHA-256 of `"<seed>:<n>"` (hex); the
   candidates sorted by key, lowest first, are the drawn order.
5. **Seats, with quotas as maxima**: walk the drawn order and give a seat to each candidate whose
   groups (district, age group) still have room under their maximum, until the seats are full. If
   seats remain because too few candidates of the other groups registered, they go to the skipped
   candidates in drawn order (an empty seat helps nobody). Everyone without a seat is on the reserve
   list in drawn order; a freed seat goes to the first of them.

Known limit: someone who knows the secret before the draw (it is stored in the database) and can
add registrations could try candidate lists until one suits them; every registration is audited
and listed, which makes that visible.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from flask_babel import lazy_gettext as _l

ALGORITHM = "mvi-lot-1"

# Utrecht's ten districts (wijken): proper names, the same in both languages.
DISTRICTS = [
    ("binnenstad", "Binnenstad"), ("noordoost", "Noordoost"), ("oost", "Oost"), ("zuid", "Zuid"),
    ("zuidwest", "Zuidwest"), ("west", "West"), ("noordwest", "Noordwest"), ("overvecht", "Overvecht"),
    ("leidsche-rijn", "Leidsche Rijn"), ("vleuten-de-meern", "Vleuten-De Meern"),
]
AGE_GROUPS = [("16-29", _l("16 to 29 years")), ("30-44", _l("30 to 44 years")), ("45-64", _l("45 to 64 years")),
              ("65+", _l("65 years or older"))]
DIMENSIONS = {"district": DISTRICTS, "age_group": AGE_GROUPS}


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def canonical_json(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def commitment_of(secret: str) -> str:
    return sha256_hex(secret)


def candidates_digest(candidates: Sequence[Mapping[str, Any]]) -> str:
    return sha256_hex(canonical_json(list(candidates)))


def seed_of(secret: str, candidates: Sequence[Mapping[str, Any]]) -> str:
    return sha256_hex(f"{secret}:{candidates_digest(candidates)}")


def drawn_order(seed: str, numbers: Sequence[int]) -> list[int]:
    return sorted(numbers, key=lambda number: (sha256_hex(f"{seed}:{number}"), number))


def choose(order: Sequence[int], candidates: Sequence[Mapping[str, Any]], capacity: int,
           quotas: Mapping[str, Mapping[str, int]]) -> list[int]:
    """The candidate numbers that get a seat, in drawn order (step 5 above)."""
    by_number = {candidate["number"]: candidate for candidate in candidates}
    taken: dict[tuple[str, str], int] = {}
    selected: list[int] = []

    def fits(candidate: Mapping[str, Any]) -> bool:
        for dimension, caps in quotas.items():
            group = candidate.get(dimension)
            if group in caps and taken.get((dimension, group), 0) >= caps[group]:
                return False
        return True

    for number in order:
        if len(selected) >= capacity:
            break
        candidate = by_number[number]
        if fits(candidate):
            selected.append(number)
            for dimension in quotas:
                key = (dimension, candidate.get(dimension))
                taken[key] = taken.get(key, 0) + 1
    for number in order:  # seats the quotas could not fill
        if len(selected) >= capacity:
            break
        if number not in selected:
            selected.append(number)
    return selected


def run(secret: str, candidates: Sequence[Mapping[str, Any]], capacity: int,
        quotas: Mapping[str, Mapping[str, int]]) -> tuple[str, list[int], list[int]]:
    """The whole draw: (seed, drawn order, selected numbers)."""
    seed = seed_of(secret, candidates)
    order = drawn_order(seed, [candidate["number"] for candidate in candidates])
    return seed, order, choose(order, candidates, capacity, quotas)
