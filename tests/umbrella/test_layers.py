"""The layer rule for what import-linter cannot see: URL names.

``lint-imports`` (contract in pyproject.toml, run by .ci/run) checks Python imports. An app can
also depend on a higher one by naming its page: ``{% url 'artist-studio' %}`` in an accounts
template or ``redirect("artist-studio")`` in accounts code. This test reads the layers from the
same contract and refuses any URL name, in an app's templates or code, whose view lives in a
higher layer (or in a sibling: events and violet are independent). The composition root
(``umbrella/urls.py`` and the site's shell in ``umbrella/templates/``) may name every app.
"""

import re
import tomllib
from pathlib import Path

from django.urls import URLPattern, URLResolver, get_resolver

ROOT = Path(__file__).resolve().parents[2]
# The composition root may name every app.
COMPOSITION_ROOT = ("umbrella/urls.py", "umbrella/templates/")
URL_TAG = re.compile(r"""{%\s*url\s+["']([\w:-]+)["']""")
URL_CALL = re.compile(r"""\b(?:redirect|reverse|reverse_lazy|url_name=)\(?\s*["']([\w:-]+)["']""")


def _layers() -> dict[str, tuple[int, str]]:
    """app -> (height, layer) from the import-linter contract, the one home of the order."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (contract,) = [c for c in config["contracts"] if c["type"] == "layers"]
    layers = contract["layers"]
    return {
        app.strip(): (len(layers) - i, layer)
        for i, layer in enumerate(layers)
        for app in layer.split("|")
    }


def _views_by_url_name() -> dict[str, str]:
    """URL name (with its namespace) -> the top-level package of its view."""
    found: dict[str, str] = {}

    def walk(patterns: list, namespace: str) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                walk(entry.url_patterns, inner)
            elif isinstance(entry, URLPattern) and entry.name:
                module = getattr(entry.callback, "__module__", "") or ""
                found.setdefault(namespace + entry.name, module.split(".")[0])

    walk(get_resolver().url_patterns, "")
    return found


def _named_urls(app: str) -> list[tuple[str, str]]:
    """(file, URL name) for every literal URL name in the app's templates and code."""
    named = []
    for path in sorted((ROOT / app).rglob("*")):
        source = str(path.relative_to(ROOT))
        if source.startswith(COMPOSITION_ROOT):
            continue
        if path.suffix == ".html":
            names = URL_TAG.findall(path.read_text())
        elif path.suffix == ".py" and "migrations" not in path.parts:
            names = URL_CALL.findall(path.read_text())
        else:
            continue
        named += [(source, name) for name in names]
    return named


def test_no_app_names_a_page_of_a_higher_or_sibling_layer():
    layers = _layers()
    views = _views_by_url_name()
    checked, wrong = 0, []
    for app, (height, _layer) in layers.items():
        for source, name in _named_urls(app):
            assert name in views, f"{source} names the unknown URL {name!r}"
            owner = views[name]
            checked += 1
            if owner in layers and owner != app and layers[owner][0] >= height:
                wrong.append(f"{source}: {name!r} is a page of {owner} ({layers[owner][1]})")
    assert checked > 20, "the scan found almost no URL names: is the pattern still right?"
    assert not wrong, "a lower layer names a higher one's page; ask umbrella/domains.py:\n" + (
        "\n".join(wrong)
    )
