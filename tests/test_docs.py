"""The documentation: the generated pages (run options, API reference) and the README.

``make docs`` builds the site with warnings as errors (broken links and anchors, pages left
out of the navigation); these tests check what the build cannot: that the generators of
``docs/hooks/generated_pages.py`` produce the code's options and modules, and that the
README stays a landing page whose links lead somewhere. They need neither MkDocs nor a
build.
"""

import importlib.util
import re
from pathlib import Path

import tomllib

from source.evolution.options import OPTIONS, flat_options
from source.evolution.simulation import RunConfig

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def load_hooks():
    spec = importlib.util.spec_from_file_location(
        "generated_pages", DOCS / "hooks" / "generated_pages.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def table_rows(markdown):
    """{flag: row} of the option rows of a Markdown page."""
    rows = {}
    for line in markdown.splitlines():
        m = re.match(r"\| `(--[\w-]+)", line)
        if m:
            rows[m.group(1)] = line
    return rows


def test_every_option_is_on_the_generated_page_with_its_default_and_choices():
    page = load_hooks().options_markdown()
    rows = table_rows(page)
    assert list(rows) == [o.flag for o in OPTIONS]       # all, once, in registry order
    defaults = RunConfig()
    for o in OPTIONS:
        cells = [c.strip() for c in rows[o.flag].strip("|").split("|")]
        assert len(cells) == 3, rows[o.flag]
        if o.allowed():
            assert "{" + ",".join(o.allowed()) + "}" in cells[0], o.flag
        default = getattr(defaults, o.name)
        if isinstance(default, bool):
            assert cells[1] == "off" and not default, o.flag      # every switch is off
        elif default is None:
            assert cells[1] == "-", o.flag
        elif isinstance(default, float):
            assert float(cells[1]) == default, o.flag
        else:
            assert cells[1] == str(default), o.flag
        assert cells[2].startswith(o.help), o.flag
    for group in {o.group for o in OPTIONS}:
        assert f"### {group[0].upper()}{group[1:]}\n" in page, group


def test_the_options_page_has_no_hand_written_option_rows():
    """The page holds only the marker: a hand-written table could go stale."""
    hooks = load_hooks()
    source = (DOCS / "options.md").read_text()
    assert hooks.OPTIONS_MARKER in source and hooks.CONFIG_MARKER in source
    assert not set(table_rows(source)) & {o.flag for o in OPTIONS}


def test_the_generated_default_configuration_reads_back_as_the_defaults():
    toml = load_hooks().default_config_toml()
    values = flat_options(tomllib.loads(toml), "generated configuration")
    assert RunConfig(**values) == RunConfig()
    assert set(values) | {o.name for o in OPTIONS if getattr(RunConfig(), o.name) is None} \
        == {o.name for o in OPTIONS}


def test_the_api_reference_documents_every_module():
    pages = load_hooks().api_pages()
    documented = set()
    for text in pages.values():
        documented |= set(re.findall(r"^::: ([\w.]+)$", text, flags=re.M))
    modules = {".".join(p.relative_to(ROOT).with_suffix("").parts)
               for p in (ROOT / "source").rglob("*.py")
               if p.name not in ("__init__.py", "__main__.py") and p.read_text().strip()}
    assert modules <= documented, sorted(modules - documented)
    for name in documented:        # each directive names a module or package that exists
        path = ROOT / name.replace(".", "/")
        assert path.with_suffix(".py").exists() or (path / "__init__.py").exists(), name


def test_the_readme_is_a_landing_page_whose_links_exist():
    text = (ROOT / "README.md").read_text()
    assert len(text.splitlines()) <= 250
    links = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text)
    local = [link for link in links if not re.match(r"[a-z]+://", link)]
    assert any(link.startswith("docs/") for link in local)
    for link in local:
        assert (ROOT / link).exists(), link
