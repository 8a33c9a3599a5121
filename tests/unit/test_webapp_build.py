"""The Mini App's start-up bundler: dependency order, renamed imports, and refusals for what it cannot
bundle faithfully."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from cargotool.server.webapp_build import BundleError, bundle, read_modules, scripts

MAIN = 'import { twice as double } from "./b.js";\nimport { base } from "./a.js";\nconsole.log(double(base));\n'


def test_dependencies_come_first_and_imports_bind_the_exports():
    modules = {"main.js": MAIN, "a.js": "export const base = 21;\n",
               "b.js": 'import { base } from "./a.js";\nexport function twice(x) { return x * 2 + base - base; }\n'}
    script = bundle(modules)
    assert script.index('__modules["a.js"]') < script.index('__modules["b.js"]') < script.index('__modules["main.js"]')
    assert 'const { twice: double } = __modules["b.js"];' in script
    assert "// gone" not in bundle({"main.js": "// gone\n/** gone too */\nconsole.log('// kept');\n"})
    if shutil.which("node"):  # and it runs
        assert subprocess.run(["node", "-e", script], capture_output=True, text=True, check=True).stdout == "42\n"


@pytest.mark.parametrize("source, complaint", [
    ("export default 1;\n", "unsupported import/export"),
    ("export let counter = 0;\n", "unsupported import/export"),
    ('import * as all from "./main.js";\n', "unsupported import/export"),
    ('import { x } from "./missing.js";\n', "does not exist"),
    ('import { y } from "./main.js";\nexport const x = 1;\n', "import cycle"),
    ("export const x = `one\n// two`;\n", "template literal spans lines"),
])
def test_what_cannot_be_bundled_faithfully_is_refused(source, complaint):
    with pytest.raises(BundleError, match=complaint):
        bundle({"main.js": 'import { x } from "./a.js";\n', "a.js": source})


def test_a_dynamic_import_becomes_a_chunk_with_only_what_the_main_script_lacks():
    modules = {"main.js": 'import { base } from "./a.js";\nglobalThis.go = () => import("./lazy.js").then((m) => console.log(m.twice(base)));\n',
               "a.js": "export const base = 21;\n",
               "lazy.js": 'import { base } from "./a.js";\nimport { one } from "./only-lazy.js";\nexport function twice(x) { return x * 2 + base - base + one - 1; }\n',
               "only-lazy.js": "export const one = 1;\n"}
    built = scripts(modules)
    assert '__modules["lazy.js"] = ' not in built.main and '__modules["only-lazy.js"] = ' not in built.main
    file, chunk = built.chunks["lazy.js"]
    assert file.startswith("app-lazy.") and f'"/static/{file}"' in built.main
    assert '__modules["only-lazy.js"] = ' in chunk and '__modules["a.js"] = ' not in chunk  # shared, not repeated
    if shutil.which("node"):  # the chunk (here run right after the main script) registers into the same registry
        out = subprocess.run(["node", "-e", built.main + chunk + "go();"], capture_output=True, text=True, check=True)
        assert out.stdout == "42\n"
    with pytest.raises(BundleError, match="js/both.js would be in two chunks"):
        scripts({"main.js": 'const a = () => import("./a.js");\nconst b = () => import("./b.js");\n',
                 "a.js": 'import { x } from "./both.js";\nexport const y = x;\n',
                 "b.js": 'import { x } from "./both.js";\nexport const z = x;\n', "both.js": "export const x = 1;\n"})
    with pytest.raises(BundleError, match="dynamic import names js/gone.js"):
        scripts({"main.js": 'const later = () => import("./gone.js");\n'})


def test_the_real_modules_bundle():
    modules = read_modules()
    assert "main.js" in modules
    built = scripts(modules)
    chunks = "".join(text for _, text in built.chunks.values())
    # every module is in the main script or a chunk, once
    assert all((built.main + chunks).count(f'__modules["{name}"] = ') == 1 for name in modules)
    for later in ("admin.js", "detail.js", "offer.js", "billing.js", "responses.js", "searches.js"):
        assert f'__modules["{later}"] = ' in chunks  # not in the script the first card waits for
