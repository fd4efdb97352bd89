"""Lucky-number patterns, tested on the last 8 digits (carrier rule sets look at the tail).
Patterns are an enum with an optional digit argument, never staff-written regular expressions."""

from __future__ import annotations

import re
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

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


def matched_digits(pattern: str, argument: str, number: str) -> str | None:
    """The digits that make `number` match `pattern` (the repeated tail, the run, the given digits),
    "" for a pattern about the whole tail (no 4, any), None when it does not match."""
    tail = number[-8:]
    if pattern in _REGEX:
        found = _REGEX[pattern].search(tail)
        return found.group(0) if found else None
    if pattern == "abcd_up":
        return tail[-4:] if tail[-4:] in _RUN_UP else None
    if pattern == "abcd_down":
        return tail[-4:] if tail[-4:] in _RUN_DOWN else None
    if pattern == "ends_with":
        return argument if argument and tail.endswith(argument) else None
    if pattern == "contains":
        return argument if argument and argument in tail else None
    if pattern == "no_four":
        return "" if "4" not in tail else None
    return "" if pattern == "any" else None


def excluded(part: str, exclude: str) -> bool:
    """Whether the digits that made a match include one of the excluded digits."""
    return any(digit in part for digit in exclude)


def matches(pattern: str, argument: str, number: str, exclude: str = "") -> bool:
    """Whether the pattern matches; `exclude` lists digits that must not be among the digits that
    make it match (AAA but not 444: 4 sounds like 死, a carrier will not sell 444 as 金号)."""
    part = matched_digits(pattern, argument, number)
    return part is not None and not excluded(part, exclude)


def predicate(pattern: str, argument: str, exclude: str = ""):
    """matches(pattern, argument, ·, exclude) as one small function, for testing many numbers."""
    if exclude:
        return lambda number: matches(pattern, argument, number, exclude)
    if pattern in _REGEX:
        regex = _REGEX[pattern]
        return lambda number: regex.search(number[-8:]) is not None
    if pattern == "contains" and argument:
        return lambda number: argument in number[-8:]
    if pattern == "ends_with" and argument:
        return lambda number: number[-8:].endswith(argument)
    if pattern == "no_four":
        return lambda number: "4" not in number[-8:]
    return lambda number: matches(pattern, argument, number)


def _exclude(rule) -> str:
    return getattr(rule, "exclude_digits", "") or ""


def classify(number: str, rules) -> object | None:
    """The first active rule that matches, or None."""
    for rule in rules:
        if matches(rule.pattern, rule.argument, number, _exclude(rule)):
            return rule
    return None


def grams(number: str) -> list[int]:
    """The 4-digit runs of the last 8 digits, as integers (leading zeros kept by the +10000)."""
    tail = number[-8:]
    return sorted({10000 + int(tail[i : i + 4]) for i in range(len(tail) - 3)})


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
        self.tail_only = [
            i
            for i, r in enumerate(self.rules)
            if r.pattern in TAIL5_PATTERNS or (r.pattern == "ends_with" and len(r.argument) <= 5)
        ]
        self.others = [i for i in range(len(self.rules)) if i not in set(self.tail_only)]
        self.other_tests = [
            (i, predicate(self.rules[i].pattern, self.rules[i].argument, _exclude(self.rules[i]))) for i in self.others
        ]
        never = len(self.rules)
        self.first_tail_rule = []
        for value in range(100_000):
            tail5 = f"{value:05d}"
            self.first_tail_rule.append(
                next(
                    # the digits a tail pattern matches lie in the last five, so exclusions tabulate too
                    (
                        i
                        for i in self.tail_only
                        if matches(self.rules[i].pattern, self.rules[i].argument, tail5, _exclude(self.rules[i]))
                    ),
                    never,
                )
            )

    def index(self, number: str) -> int:
        """The position of the number's first matching rule, len(rules) when none matches."""
        best = self.first_tail_rule[int(number[-5:])]
        for i, test in self.other_tests:
            if i >= best:
                break
            if test(number):
                return i
        return best

    def __call__(self, number: str):
        best = self.index(number)
        return self.rules[best] if best < len(self.rules) else None

    def terms(self, number: str) -> tuple:
        """(tier, price, minimum spend, contract months) of the number's first matching rule."""
        rule = self(number)
        return (rule.tier, rule.price, rule.minimum_spend, rule.contract_months) if rule else NO_TIER


MASK4 = [0] * 10_000  # digit_mask() of four digits, by their value (imports)
for _value in range(10_000):
    for _ch in f"{_value:04d}":
        MASK4[_value] |= 1 << int(_ch)
