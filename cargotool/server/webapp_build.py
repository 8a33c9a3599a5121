"""The Mini App's one tiny build step, run in memory at start-up (no Node, nothing written to disk).

- The ES modules in webapp/js/ are joined into one script in dependency order: on a weak mobile link every
  extra request costs a round trip, and without HTTP/2 a browser fetches at most six at a time. The modules
  follow a narrow style that makes this a text rewrite (enforced here, at start-up):
  `import { a, b as c } from "./x.js";` and `export function|async function|const|class NAME`; no default
  exports, no `export let` (a bundled binding would not be live), no import cycles, and no template
  literal spanning lines (so that whole-line comments can be dropped from the bundle safely).
- What the first screen does not need is left out of that script: `import("./x.js")` (a dynamic import)
  makes x.js and what only it needs a second script (a "chunk"), fetched when first asked for — bytes the
  first card does not wait for on a slow link. Modules share one registry (`globalThis.__cargotoolModules`),
  so a chunk uses what the main script has; a module is never in two chunks (refused: two copies would be
  two instances with their own state).
- Every asset gets a content-hashed name (`app.3f2a9c1d0e4b.js`), so it can be cached for a year, and a
  gzip and a brotli copy, compressed once here at the highest level.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import brotli

ROOT = Path(__file__).parent / "webapp"
ENTRY = "main.js"

_IMPORT = re.compile(r'^import \{([^}]*)\} from "\./([\w-]+\.js)";[ \t]*$', re.M)
_EXPORT = re.compile(r"^export (?:async )?(?:function\*?|const|class) ([A-Za-z_$][\w$]*)", re.M)
_DYNAMIC_IMPORT = re.compile(r'\bimport\("\./([\w-]+\.js)"\)')
_ANY_IMPORT_OR_EXPORT = re.compile(r"^\s*(?:import\b(?!\()|export\b)", re.M)
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)
_LINE_COMMENT = re.compile(r"^[ \t]*//.*\n", re.M)
_DOC_COMMENT = re.compile(r"^[ \t]*/\*.*?\*/[ \t]*\n", re.M | re.S)
_INDENT = re.compile(r"^[ \t]+", re.M)
_HTML_COMMENT = re.compile(r"<!--.*?-->\s*", re.S)

TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml",
         ".html": "text/html; charset=utf-8"}


class BundleError(ValueError):
    """A module breaks the style the bundler understands (say which and where)."""


@dataclass(frozen=True)
class Asset:
    body: bytes
    content_type: str
    etag: str
    encoded: dict[str, bytes] = field(default_factory=dict)  # "br"/"gzip" -> bytes, only when smaller


def asset(body: bytes, content_type: str) -> Asset:
    digest = hashlib.sha256(body).hexdigest()
    encoded = {"br": brotli.compress(body, quality=11), "gzip": gzip.compress(body, 9, mtime=0)}
    return Asset(body, content_type, f'W/"{digest[:20]}"', {k: v for k, v in encoded.items() if len(v) < len(body)})


def hashed_name(name: str, body: bytes) -> str:
    stem, dot, ext = name.rpartition(".")
    return f"{stem}.{hashlib.sha256(body).hexdigest()[:12]}{dot}{ext}"


def _parse(name: str, source: str) -> tuple[list[tuple[str, str]], list[str], str]:
    """(imports as (names, module), exported names, body with imports removed and `export ` dropped)."""
    imports = [(names, module) for names, module in _IMPORT.findall(source)]
    body = _IMPORT.sub("", source)
    exports = _EXPORT.findall(body)
    body = _EXPORT.sub(lambda m: m.group(0)[len("export "):], body)
    leftover = _ANY_IMPORT_OR_EXPORT.search(body)
    if leftover:
        line = body[: leftover.start()].count("\n") + 1
        raise BundleError(f"js/{name}: unsupported import/export near line {line}; use "
                          '`import { a } from "./x.js";` and `export function|const|class NAME`')
    for number, text in enumerate(source.splitlines(), 1):
        if text.count("`") % 2:
            raise BundleError(f"js/{name}:{number}: a template literal spans lines; join it or use + between lines")
    # comments and indentation are for readers of js/, not for a phone on a slow link
    return imports, exports, _INDENT.sub("", _DOC_COMMENT.sub("", _LINE_COMMENT.sub("", body)))


def _order(modules: dict[str, str], entry: str = ENTRY, loaded: frozenset[str] = frozenset()) -> list[str]:
    """Modules reachable from `entry` by static imports, every dependency before its dependents, leaving out
    those already `loaded` (by the main script); raises on a cycle or a missing module."""
    graph = {name: [module for _, module in _IMPORT.findall(source)] for name, source in modules.items()}
    done: list[str] = []
    visiting: list[str] = []

    def visit(name: str) -> None:
        if name in done or name in loaded:
            return
        if name not in graph:
            raise BundleError(f"js/{visiting[-1]} imports js/{name}, which does not exist")
        if name in visiting:
            raise BundleError("import cycle: " + " → ".join(visiting[visiting.index(name):] + [name]))
        visiting.append(name)
        for dependency in graph[name]:
            visit(dependency)
        visiting.pop()
        done.append(name)

    visit(entry)
    return done


def _module(name: str, source: str) -> str:
    imports, exports, body = _parse(name, source)
    lines = []
    for names, module in imports:
        wanted = [n.strip() for n in names.split(",") if n.strip()]
        bindings = ", ".join(n.replace(" as ", ": ") for n in wanted)
        lines.append(f'const {{ {bindings} }} = __modules["{module}"];')
    body = _DYNAMIC_IMPORT.sub(lambda m: f'__lazy("{m.group(1)}")', body)
    return (f'__modules["{name}"] = (() => {{ // js/{name}\n' + "\n".join(lines) + "\n" + body.strip()
            + f"\nreturn {{ {', '.join(exports)} }};\n}})();")


# The main script's loader of chunks: one <script> per chunk, asked for once; a failure may be retried.
_LOADER = """const __modules = globalThis.__cargotoolModules = {};
const __chunks = %s;
const __loading = {};
function __lazy(name) {
if (__modules[name]) return Promise.resolve(__modules[name]);
return __loading[name] || (__loading[name] = new Promise((resolve, reject) => {
const script = document.createElement("script");
script.src = __chunks[name];
script.onload = () => resolve(__modules[name]);
script.onerror = () => { delete __loading[name]; script.remove(); reject(new Error("chunk " + name)); };
document.head.append(script);
}));
}"""


@dataclass(frozen=True)
class Scripts:
    main: str
    chunks: dict[str, tuple[str, str]]  # dynamically imported module -> (its file name under /static/, script)


def scripts(modules: dict[str, str]) -> Scripts:
    """The main script (main.js and everything it imports statically) and one chunk per dynamically
    imported module (with what only it needs)."""
    main_order = _order(modules)
    loaded = frozenset(main_order)
    wanted = [name for module in main_order for name in _DYNAMIC_IMPORT.findall(modules[module])]
    chunks: dict[str, tuple[str, str]] = {}
    in_chunks: dict[str, set[str]] = {}
    while wanted:
        entry = wanted.pop(0)
        if entry in loaded or entry in chunks:
            continue
        if entry not in modules:
            raise BundleError(f"a dynamic import names js/{entry}, which does not exist")
        order = _order(modules, entry, loaded)
        shared = [name for name in order if any(name in placed for placed in in_chunks.values())]
        if shared:  # two copies would be two module instances, each with its own state
            raise BundleError(f"js/{shared[0]} would be in two chunks ({entry} and another): import it from "
                              "main.js's side or from one chunk only")
        in_chunks[entry] = set(order)
        text = ("((__modules, __lazy) => {\n" + "\n".join(_module(name, modules[name]) for name in order)
                + "\n})(globalThis.__cargotoolModules, globalThis.__cargotoolLazy);\n")
        chunks[entry] = (hashed_name(f"app-{entry}", text.encode()), text)
        wanted += [name for module in order for name in _DYNAMIC_IMPORT.findall(modules[module])]
    urls = {entry: f"/static/{file}" for entry, (file, _) in chunks.items()}
    parts = ["// cargotool Mini App: webapp/js/*.js joined at server start-up (cargotool/server/webapp_build.py)",
             _LOADER % json.dumps(urls), "globalThis.__cargotoolLazy = __lazy;"]
    parts += [_module(name, modules[name]) for name in main_order]
    return Scripts("\n".join(parts) + "\n", chunks)


def bundle(modules: dict[str, str]) -> str:
    """The main script: main.js and the modules it imports statically, each in its own function scope."""
    return scripts(modules).main


def read_modules(root: Path = ROOT) -> dict[str, str]:
    return {path.name: path.read_text(encoding="utf-8") for path in sorted((root / "js").glob("*.js"))}


def inline_script_hashes(html: str) -> list[str]:
    """CSP sources ('sha256-…') for the page's inline scripts, so no 'unsafe-inline' is needed."""
    return ["'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
            for s in _INLINE_SCRIPT.findall(html)]


@dataclass(frozen=True)
class Build:
    index: Asset
    assets: dict[str, Asset]  # path under /static/ -> asset
    csp_script_hashes: list[str]


def build(root: Path = ROOT) -> Build:
    """The page and every asset, hashed and compressed. Unhashed names (app.css, js/*.js for loading the
    modules one by one while developing) are served too, but revalidated on every use."""
    built = scripts(read_modules(root))
    script = built.main.encode()
    files = {"app.js": script, "app.css": (root / "app.css").read_bytes(), "icon.svg": (root / "icon.svg").read_bytes()}
    assets: dict[str, Asset] = {}
    html = _INDENT.sub("", _HTML_COMMENT.sub("", (root / "index.html").read_text(encoding="utf-8")))
    for name, body in files.items():
        versioned = hashed_name(name, body)
        assets[versioned] = asset(body, TYPES[Path(name).suffix])
        html = html.replace(f'"/static/{name}"', f'"/static/{versioned}"')
        if name != "app.js":
            assets[name] = assets[versioned]
    for file, text in built.chunks.values():
        assets[file] = asset(text.encode(), TYPES[".js"])
    for name, source in read_modules(root).items():
        assets[f"js/{name}"] = asset(source.encode(), TYPES[".js"])
    # the page names its own build, so a copy from the browser's cache can tell that it is out of date
    build_id = hashlib.sha256(html.encode()).hexdigest()[:20]
    html = html.replace("__APP_BUILD__", build_id)
    index = replace(asset(html.encode(), TYPES[".html"]), etag=f'W/"{build_id}"')
    return Build(index, assets, inline_script_hashes(html))
