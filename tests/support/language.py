"""Untranslated English on a page: what the zh-hans interface tests look for. A word is English
when it is a whole run of 3+ Latin letters that is not a proper token (SIM, ICCID…), not part of
a code, an address, a path or a user agent, and not the carrier's own data (offer and brand
names, slugs, city codes, usernames), which pages show as typed."""

from __future__ import annotations

import re
from html.parser import HTMLParser

# Proper tokens that are English-looking by nature, not untranslated text.
# (compared case-insensitively: admin headers are upper-cased by CSS, and innerText follows it)
ALLOWED = {
    w.lower()
    for w in (
        "ICCID",
        "SIM",
        "TMF",  # TM Forum's Open API names (TMF620, TMF622…), as carriers' systems call them
        "API",
        "CSV",
        "URL",
        "BSS",
        "SMS",
        "HTTP",
        "HTML",
        "JSON",
        "PDF",
        "IP",
        "GET",
        "POST",
        "LDAP",
        "http",
        "https",
        "localhost",
        "Mbps",
        "txt",
        "png",
        "jpeg",
        "webp",
        "svg",
        "WCAG",
        "sha256",
        # Django's Chinese names the keys as they are printed on them
        "Control",
        "Command",
        "Mac",
        "English",
    )
}  # the language switch names each language in itself
# whole words only: letters inside codes (u8b3ebe23a2, T3fa…) are not words
WORD = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{3,}(?![A-Za-z0-9])")
TIER_PATTERN = re.compile(r"^[A-D]{3,}$")  # the tier rules' notation: AAA, ABAB, AABBCC …
# emails, URLs, file names, paths, a browser's user agent and masked secrets carry their own letters
NOT_PROSE = re.compile(
    r"\S+@\S+|https?://\S+|\b[\w.-]+\.(?:csv|txt|png|jpe?g|webp|svg)\b|Mozilla/5\.0.*|[\w.+-]*/[\w./+,;=*-]+|\S+\*{3,}"
)


def english_words(text: str, data: set[str]) -> list[str]:
    """English-looking words of a page, less proper tokens and what staff or demo data typed
    (offer and brand names, slugs, city codes, usernames: data, not interface text)."""
    text = NOT_PROSE.sub(" ", text)
    return sorted(
        {
            w
            for w in WORD.findall(text)
            if w.lower() not in ALLOWED and w.lower() not in data and not TIER_PATTERN.match(w)
        }
    )


def data_words() -> set[str]:
    """The words of alpha's own data (its catalogue, cities, accounts) that pages show as they are."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from catalog.deposit_offers import DepositOffer
    from catalog.models import Category, City, Offer
    from tenants.models import Carrier
    from tenants.simulators.models import SimSubscriber
    from tests.support.clients import in_own_connection

    def collect():
        connection.set_tenant(Carrier.objects.get(slug="alpha"))
        texts = [
            *Offer.objects.values_list("name", flat=True),
            *Offer.objects.values_list("slug", flat=True),
            *Offer.objects.values_list("description", flat=True),
            *Offer.objects.values_list("terms", flat=True),
            *Category.objects.values_list("slug", flat=True),
            *City.objects.values_list("code", flat=True),
            *DepositOffer.objects.values_list("code", flat=True),
            *get_user_model().objects.values_list("username", flat=True),
            *(" ".join(o) for o in SimSubscriber.objects.values_list("offers", flat=True)),
            "alpha",
        ]
        return {w.lower() for t in texts for w in re.findall(r"[A-Za-z]+", t)}

    return in_own_connection(collect)


def visible_text(html: str) -> str:
    """What a visitor reads of an HTML page: its text and the attributes shown to people
    (placeholders, titles, alt text, labels, submit buttons); not scripts or styles."""
    parts: list[str] = []

    class Reader(HTMLParser):
        skip = 0

        def handle_starttag(self, tag, attrs):
            if tag in ("script", "style"):
                self.skip += 1
            for name, value in attrs:
                if name in ("placeholder", "title", "alt", "aria-label") or (
                    name == "value" and tag == "input" and ("type", "submit") in attrs
                ):
                    parts.append(value or "")

        def handle_endtag(self, tag):
            if tag in ("script", "style"):
                self.skip = max(0, self.skip - 1)

        def handle_data(self, data):
            if not self.skip:
                parts.append(data)

    Reader().feed(html)
    return " ".join(parts)
