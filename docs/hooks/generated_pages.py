"""MkDocs hooks: the pages that are generated from the code at every build.

* **Run options** (``options.md``): the marker ``<!-- options-table -->`` is replaced by
  the options registry rendered as one table per group, and ``<!-- default-config -->``
  by the default configuration as TOML, so the page cannot fall behind the command line.
* **API reference** (``api/<package>.md``): one page per package of ``source/``, listing
  every module found there with a mkdocstrings directive; the navigation entry
  "API reference" is filled with these pages. A module added, moved or renamed in
  ``source/`` appears in the reference without editing anything here.

``tests/test_docs.py`` calls the generators directly, so a broken generator fails the
test suite even where MkDocs is not installed.
"""

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "source"
API_NAV_TITLE = "API reference"
OPTIONS_MARKER = "<!-- options-table -->"
CONFIG_MARKER = "<!-- default-config -->"


def _import_options():
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from source.evolution import config, options
    return options, config


def options_markdown():
    """The options registry as Markdown: one table per group, in the registry's order.

    The rows are the registry's own rendering (``config.options_table``), one per option, so the
    flags, choices, defaults and restart rules are exactly those of the command line."""
    options, config = _import_options()
    rows = config.options_table().splitlines()
    header, rows = rows[:2], rows[2:]
    groups = {}
    for option, row in zip(options.OPTIONS, rows, strict=True):
        groups.setdefault(option.group, []).append(row)
    parts = []
    for group, group_rows in groups.items():
        parts += [f"### {group[0].upper()}{group[1:]}", "", *header, *group_rows, ""]
    return "\n".join(parts)


def default_config_toml():
    """The default run's configuration file, as ``--print-config`` writes it."""
    options, config = _import_options()
    return options.to_toml(config.RunConfig())


def _docstring_of(path):
    try:
        return ast.get_docstring(ast.parse(path.read_text())) or ""
    except SyntaxError:
        return ""


def api_pages(package_dir=ROOT / PACKAGE):
    """``{page path: markdown}``: one page per package under ``source/`` that has modules
    (the top-level modules of ``source`` on the page ``api/source.md``), one mkdocstrings
    directive per non-empty module; ``__init__`` and ``__main__`` modules are left out, a
    package's docstring opens its page."""
    pages = {}
    for init in sorted(package_dir.rglob("__init__.py")):
        pkg_dir = init.parent
        pkg = ".".join(pkg_dir.relative_to(package_dir.parent).parts)
        modules = sorted(p for p in pkg_dir.glob("*.py")
                         if p.name not in ("__init__.py", "__main__.py"))
        names = [f"{pkg}.{p.stem}" for p in modules if p.read_text().strip()]
        if not names:
            continue
        lines = [f"# `{pkg}`", ""]
        if _docstring_of(init):
            lines += [f"::: {pkg}", "    options:", "      members: false",
                      "      show_root_heading: false", ""]
        for name in names:
            lines += [f"::: {name}", ""]
        pages[f"api/{pkg.replace('.', '/')}.md"] = "\n".join(lines)
    return pages


# ---- MkDocs event handlers -------------------------------------------------------------

def on_config(config):
    """Fill the navigation entry "API reference" with the generated pages."""
    pages = api_pages()
    entries = [{path[len("api/"):-len(".md")].replace("/", "."): path}
               for path in sorted(pages)]
    for i, item in enumerate(config["nav"]):
        if isinstance(item, dict) and API_NAV_TITLE in item:
            config["nav"][i] = {API_NAV_TITLE: [{"Overview": "api/index.md"}] + entries}
            break
    else:
        raise RuntimeError(f"mkdocs.yml: no nav entry '{API_NAV_TITLE}'")
    return config


def on_files(files, config):
    from mkdocs.structure.files import File

    for path, text in api_pages().items():
        files.append(File.generated(config, path, content=text))
    return files


def on_page_markdown(markdown, page, config, files):
    if OPTIONS_MARKER in markdown:
        markdown = markdown.replace(OPTIONS_MARKER, options_markdown())
    if CONFIG_MARKER in markdown:
        markdown = markdown.replace(CONFIG_MARKER,
                                    "```toml\n" + default_config_toml() + "```")
    return markdown
