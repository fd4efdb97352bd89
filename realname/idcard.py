"""Resident identity card numbers (GB 11643-1999) and subscriber names: each refusal says what is
wrong. The birthplace is checked against python-stdnum's historical table of division codes
(codes are retired over time, so a current list would refuse older cards)."""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARACTERS = "10X98765432"
PROVINCES = {
    11,
    12,
    13,
    14,
    15,
    21,
    22,
    23,
    31,
    32,
    33,
    34,
    35,
    36,
    37,
    41,
    42,
    43,
    44,
    45,
    46,
    50,
    51,
    52,
    53,
    54,
    61,
    62,
    63,
    64,
    65,
    71,
    81,
    82,
}
# Han characters, with the middle dot between the parts of many minority names (阿依古丽·买买提).
NAME = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff]+(·[\u3400-\u4dbf\u4e00-\u9fff]+)*$")
DOTS = str.maketrans({"•": "·", "・": "·", "．": "·", "\u2027": "·"})


def check_character(first17: str) -> str:
    return CHECK_CHARACTERS[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def upgrade_legacy(value: str) -> str:
    """A 15-digit card (born 19YY, no check character) as its 18-character form."""
    first17 = value[:6] + "19" + value[6:]
    return first17 + check_character(first17)


def clean_id_number(value: str, today: dt.date | None = None, accept_legacy: bool = False) -> str:
    """The 18-character ID, upper-case X; or ValidationError naming the fault. With
    `accept_legacy`, a 15-digit card is accepted and returned in its 18-character form."""
    value = (value or "").strip().replace(" ", "").upper()
    if len(value) == 15 and accept_legacy:
        if not value.isdigit():
            raise ValidationError(_("A 15-digit ID number has digits only."))
        value = upgrade_legacy(value)
    if len(value) != 18:
        raise ValidationError(_("An ID number has 18 characters; this one has %(n)d.") % {"n": len(value)})
    if not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        raise ValidationError(_("An ID number is 17 digits followed by a digit or X."))
    if int(value[:2]) not in PROVINCES:
        raise ValidationError(_("The ID number does not start with a province code (%(code)s).") % {"code": value[:2]})
    try:
        born = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise ValidationError(
            _("The birth date in the ID number (%(date)s) is not a real date.") % {"date": value[6:14]}
        ) from None
    if born > (today or timezone.localdate()) or born.year < 1900:
        raise ValidationError(_("The birth date in the ID number (%(date)s) is impossible.") % {"date": value[6:14]})
    if check_character(value[:17]) != value[17]:
        raise ValidationError(_("The ID number's last character does not match: please check every digit."))
    if not known_division(value):
        raise ValidationError(
            _("The first six digits (%(code)s) are not a place that issues ID cards.") % {"code": value[:6]}
        )
    return value


def known_division(value: str) -> bool:
    """Whether the first six digits were ever a county-level code (python-stdnum's historical
    table). Deliberately not stdnum's `get_birth_place`, which also wants the code to have existed
    in the birth year: a card is coded where it was first issued, so someone born in 1980 in what
    became Tianhe district (1985) rightly holds 440106."""
    from stdnum import numdb

    found = {k: v for _part, props in numdb.get("cn/loc").info(value[:6]) for k, v in props.items()}
    return bool(found.get("county"))


def birth_date(id_number: str) -> dt.date:
    return dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def age_on(id_number: str, day: dt.date) -> int:
    born = birth_date(id_number)
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def clean_name(value: str) -> str:
    value = (value or "").strip().translate(DOTS)
    if not 2 <= len(value) <= 20:
        raise ValidationError(_("The name on the ID must have 2 to 20 characters."))
    if not NAME.match(value):
        raise ValidationError(
            _("Write the name in Chinese characters as on the ID card (use · between the parts of a minority name).")
        )
    return value
