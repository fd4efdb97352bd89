"""The demo subscriber every telecom test starts from (seeded into the BSS simulator), and the
code the SMS simulator last sent to a number."""

import re

MAIN = "18000000001"


def sent_code(number: str) -> str:
    """The code in the last text the SMS simulator sent to `number` (the subscriber's phone)."""
    from tenants.simulators.models import SimSms

    return re.search(r"\d{6}", SimSms.objects.filter(number=number).order_by("-pk").first().text).group()
