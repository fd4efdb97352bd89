"""Lucky-number patterns, tested on the last 8 digits (carrier rule sets look at the tail).
Patterns are an enum with an optional digit argument, never staff-written regular expressions."""
from __future__ import annotations

import re
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

# An 11-digit mainland mobile number (subscriber sign-up, imports, number choice).
MOBILE_NUMBER = re.compile(r"^1[3-9]\d{9}$")
NO_TIER = ("", Decimal("0"), Decimal("0"), 0)

PATTERN_CHOICES = [
    ("aaaaa", _("AAAAA at the end (five alike)")),
    ("aaaa", _("AAAA at the end (four alike)")),
    ("aaa", _("AAA at the end (three alike)")),
    ("abcd_up", _("ABCD at the end (1234, 5678…)")),
    ("abcd_down", _("DCBA at the end (4321, 9876…)")),
    ("aabb", _("AABB at the end")),
    ("abab", _("ABAB at the end")),
    ("abba", _("ABBA at the end")),
    ("aabbcc", _("AABBCC at the end")),
    ("ends_with", _("Ends with given digits (8, 88, 168, 520, 1314…)")),
    ("contains", _("Contains given digits")),
    ("no_four", _("Contains no 4")),
    ("any", _("Any number (the default tier)")),
]
NEEDS_ARGUMENT = {"ends_with", "contains"}

_RUN_UP = "0123456789"
_RUN_DOWN = "9876543210"
_REGEX = {
    "aaaaa": re.compile(r"(\d)\1{4}$"),
    "aaaa": re.compile(r"(\d)\1{3}$"),
    "aaa": re.compile(r"(\d)\1{2}$"),
    "aabb": re.compile(r"(\d)\1(?!\1)(\d)\2$"),
    "abab": re.compile(r"(\d)(?!\1)(\d)\1\2$"),
    "abba": re.compile(r"(\d)(?!\1)(\d)\2\1$"),
    "aabbcc": re.compile(r"(\d)\1(?!\1)(\d)\2(?!\1|\2)(\d)\3$"),
}


def matches(pattern: str, argument: str, number: str) -> bool:
    tail = number[-8:]
    if pattern in _REGEX:
        return _REGEX[pattern].search(tail) is not None
    if pattern == "abcd_up":
        return tail[-4:] in _RUN_UP
    if pattern == "abcd_down":
        return tail[-4:] in _RUN_DOWN
    if pattern == "ends_with":
        return bool(argument) and tail.endswith(argument)
    if pattern == "contains":
        return bool(argument) and argument in tail
    if pattern == "no_four":
        return "4" not in tail
    return pattern == "any"


def classify(number: str, rules) -> object | None:
    """The first active rule that matches, or None."""
    for rule in rules:
        if matches(rule.pattern, rule.argument, number):
            return rule
    return None


def grams(number: str) -> list[int]:
    """The 4-digit runs of the last 8 digits, as integers (leading zeros kept by the +10000)."""
    tail = number[-8:]
    return sorted({10000 + int(tail[i:i + 4]) for i in range(len(tail) - 3)})


def digit_mask(number: str) -> int:
    mask = 0
    for ch in number[-8:]:
        mask |= 1 << int(ch)
    return mask


# Patterns decided by the last five digits alone: tabulated once per rule list, so classifying a
# million numbers costs one table look-up per number plus the few rules that read more digits.
TAIL5_PATTERNS = {"aaaaa", "aaaa", "aaa", "abcd_up", "abcd_down", "aabb", "abab", "abba", "any"}


class Classifier:
    """classify() for many numbers with the same ordered rules, fast."""

    def __init__(self, rules):
        self.rules = list(rules)
        self.tail_only = [i for i, r in enumerate(self.rules)
                          if r.pattern in TAIL5_PATTERNS or (r.pattern == "ends_with" and len(r.argument) <= 5)]
        self.others = [i for i in range(len(self.rules)) if i not in set(self.tail_only)]
        never = len(self.rules)
        self.first_tail_rule = []
        for value in range(100_000):
            tail5 = f"{value:05d}"
            self.first_tail_rule.append(next(
                (i for i in self.tail_only if matches(self.rules[i].pattern, self.rules[i].argument, tail5)), never))

    def __call__(self, number: str):
        best = self.first_tail_rule[int(number[-5:])]
        for i in self.others:
            if i >= best:
                break
            rule = self.rules[i]
            if matches(rule.pattern, rule.argument, number):
                best = i
                break
        return self.rules[best] if best < len(self.rules) else None

    def terms(self, number: str) -> tuple:
        """(tier, price, minimum spend, contract months) of the number's first matching rule."""
        rule = self(number)
        return (rule.tier, rule.price, rule.minimum_spend, rule.contract_months) if rule else NO_TIER


_MASK4 = [0] * 10_000
for _value in range(10_000):
    for _ch in f"{_value:04d}":
        _MASK4[_value] |= 1 << int(_ch)


def fast_digit_mask(number: str) -> int:
    return _MASK4[int(number[3:7])] | _MASK4[int(number[7:11])]


def grams_literal(number: str) -> str:
    """grams() as a PostgreSQL array literal for COPY ("1" + four digits is 10000 + their value;
    repeats are harmless in a GIN-indexed array)."""
    t = number[3:]
    return f"{{1{t[0:4]},1{t[1:5]},1{t[2:6]},1{t[3:7]},1{t[4:8]}}}"
