"""Resident identity card numbers (GB 11643-1999) and subscriber names: each refusal says what is
wrong. (The real-name issue extends this with the historical division-code table.)"""
from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARACTERS = "10X98765432"
PROVINCES = {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
             50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82}
# Han characters, with the middle dot between the parts of many minority names (阿依古丽·买买提).
NAME = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff]+(·[\u3400-\u4dbf\u4e00-\u9fff]+)*$")
DOTS = str.maketrans({"•": "·", "・": "·", "．": "·", "\u2027": "·"})


def check_character(first17: str) -> str:
    return CHECK_CHARACTERS[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def clean_id_number(value: str, today: dt.date | None = None) -> str:
    """The 18-character ID, upper-case X; or ValidationError naming the fault."""
    value = (value or "").strip().upper()
    if len(value) != 18:
        raise ValidationError(_("An ID number has 18 characters; this one has %(n)d.") % {"n": len(value)})
    if not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        raise ValidationError(_("An ID number is 17 digits followed by a digit or X."))
    if int(value[:2]) not in PROVINCES:
        raise ValidationError(_("The ID number does not start with a province code (%(code)s).")
                              % {"code": value[:2]})
    try:
        born = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise ValidationError(_("The birth date in the ID number (%(date)s) is not a real date.")
                              % {"date": value[6:14]}) from None
    if born > (today or timezone.localdate()) or born.year < 1900:
        raise ValidationError(_("The birth date in the ID number (%(date)s) is impossible.") % {"date": value[6:14]})
    if check_character(value[:17]) != value[17]:
        raise ValidationError(_("The ID number's last character does not match: please check every digit."))
    return value


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
        raise ValidationError(_("Write the name in Chinese characters as on the ID card (use · between the parts "
                                "of a minority name)."))
    return value
