"""zh-hans by default whatever the browser asks for; English when the visitor chooses it."""


def test_chinese_is_the_default_even_for_english_browsers(client_a):
    page = client_a.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="zh-hans">' in page
    assert "首页" in page and "选号" in page and "购物车" in page and "我的" in page


def test_visitor_can_switch_to_english_and_back(client_a):
    response = client_a.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    page = client_a.get("/").content.decode()
    assert '<html lang="en">' in page and "Home" in page and "Cart" in page and "首页" not in page
    client_a.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "首页" in client_a.get("/").content.decode()


def test_unknown_language_falls_back_to_chinese(client_a):
    client_a.cookies["django_language"] = "xx"
    assert '<html lang="zh-hans">' in client_a.get("/").content.decode()


def test_every_message_has_a_chinese_translation_and_the_catalogue_is_compiled(tmp_path):
    """No msgid left untranslated or fuzzy in zh-hans, and the .mo the server loads is the .po."""
    import subprocess
    from pathlib import Path

    po = Path(__file__).resolve().parents[2] / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    result = subprocess.run(
        ["msgfmt", "--statistics", "-o", str(tmp_path / "django.mo"), str(po)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr
    assert (tmp_path / "django.mo").read_bytes() == po.with_suffix(".mo").read_bytes()


def test_words_with_two_meanings_have_their_own_translation():
    """The admin once called orders 顺序, every "Change" 切换 and a running step 导入中."""
    from django.utils import translation
    from django.utils.translation import gettext, pgettext

    from numberpool.models import NumberImport, TierRule
    from orders.models import FulfilmentStep, Order

    with translation.override("zh-hans"):
        assert str(Order._meta.verbose_name) == "订单"
        assert str(TierRule._meta.get_field("position").verbose_name) == "顺序"
        assert str(FulfilmentStep.Status.RUNNING.label) == "进行中"
        assert str(NumberImport.Status.RUNNING.label) == "导入中"
        assert gettext("Change") == "修改" and pgettext("switch the city", "Change") == "切换"


# -- no English in the Chinese shop ----------------------------------------------------------------
# Django's stock Chinese where it reads wrong in a shop: "variable" for a search box, letter case
# for a phone number, a "user name" field the shop does not have.
STOCK_PHRASES = ("该变量", "区分大小写", "用户名和密码")


def english_in(html: str) -> list[str]:
    from tests.support.language import data_words, english_words, visible_text

    text = visible_text(html)
    return english_words(text, data_words()) + [p for p in STOCK_PHRASES if p in text]


def test_the_main_journeys_render_without_english_in_chinese(in_carrier_a, django_db_blocker):
    """Every page of the main journeys, rendered in zh-hans for a signed-in subscriber with an
    order of each kind, and the forms' error messages (sign-up, sign-in, number search)."""
    from catalog.models import Offer
    from tests.support.clients import host_client
    from tests.support.orders import PASSWORD, paid, place_sim_order, subscriber

    user = subscriber()
    order, number = place_sim_order(user)
    order = paid(order)
    offers = {
        kind: Offer.objects.filter(kind=kind).first().slug for kind in ("sim", "plan", "phone", "broadband", "addon")
    }
    client = host_client("alpha.localhost")
    pages = {
        "/": 200,
        "/numbers/": 200,
        "/numbers/?contains=1": 200,
        "/compare/?offers=" + ",".join(Offer.objects.filter(kind="plan").values_list("slug", flat=True)[:2]): 200,
        "/me/login/": 200,
        "/me/signup/": 200,
        "/nope/": 404,
        "/cart/": 200,
    }
    pages |= {f"/offers/{slug}/": 200 for slug in offers.values()}
    problems = {}
    for path, status in pages.items():
        response = client.get(path)
        assert response.status_code == status, path
        if words := english_in(response.content.decode()):
            problems[path] = words
    for path, data in {
        "/me/signup/": {"action": "send", "number": "12345"},
        "/me/login/": {"username": "13800138000", "password": "wrong"},
    }.items():
        if words := english_in(client.post(path, data).content.decode()):
            problems["POST " + path] = words
    assert client.post("/me/login/", {"username": user.username, "password": PASSWORD}).status_code == 302
    for path in [
        "/me/",
        "/orders/",
        f"/orders/{order.number}/",
        "/topup/",
        "/broadband/renew/",
        "/deposit/",
        "/tickets/",
        "/checkout/",
    ]:
        response = client.get(path, follow=True)
        assert response.status_code == 200, path
        if words := english_in(response.content.decode()):
            problems[path] = words
    assert not problems, problems


def test_every_message_in_the_python_code_is_in_the_catalogue():
    """A message added in code but never extracted shows in English in the Chinese shop (as
    "The request was refused." once did): every literal handed to gettext and friends is a
    translated entry of the catalogue."""
    import ast
    from pathlib import Path

    import polib

    project = Path(__file__).resolve().parents[2]
    po = polib.pofile(str(project / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    known = {(e.msgctxt or "", e.msgid) for e in po if e.msgstr or e.msgstr_plural}
    plain = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy"}
    with_context = {"pgettext", "pgettext_lazy", "npgettext", "npgettext_lazy"}
    missing = []
    skip = {".venv", "tests", "bench", "node_modules", ".hall", "migrations", "devstack"}
    for path in project.rglob("*.py"):
        if skip & set(path.relative_to(project).parts):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name | ast.Attribute):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else node.func.attr
            args = [a.value if isinstance(a, ast.Constant) and isinstance(a.value, str) else None for a in node.args]
            if name in plain and args and args[0]:
                entry = ("", args[0])
            elif name in with_context and len(args) > 1 and args[0] and args[1]:
                entry = (args[0], args[1])
            else:
                continue
            if entry not in known:
                missing.append(f"{path.relative_to(project)}:{node.lineno}: {entry[1]!r}")
    assert not missing, "\n".join(missing)
