#!/usr/bin/env python3
"""Share of a crate's public functions whose docs carry a code example.

Usage:
    RUSTC_BOOTSTRAP=1 cargo rustdoc -p <crate> --all-features -- \
        -Z unstable-options --output-format json
    python3 .ci/doc_examples.py target/doc/<crate_name>.json [--list] [--min PCT]

Reads rustdoc's JSON output (format version 57 is what the stable toolchain
writes today; only the stable parts of the format are used) and walks the
crate's public API from the crate root: public modules, `pub use`
re-exports of this crate's own items, and the structs, enums, unions and
traits reached that way, with their impls.

What counts as a public function:
  * free functions with `pub` visibility reached from the root;
  * methods of inherent impls (`impl Type { .. }`) with `pub` visibility;
  * methods declared in a public trait defined in this crate (required
    and provided), and methods of impls of such a trait (an impl method
    without docs of its own has the trait method's, as rustdoc shows it);
  * NOT methods of impls of traits defined elsewhere (std's `Iterator`,
    `Clone`, `Debug`, `Index`, `Extend`, `Default`, serde's traits, and
    map-core's `ReclaimMap`/`Storage` when implemented in another crate):
    those are documented where the trait is defined, and rustdoc shows
    that documentation on the impl;
  * NOT items of blanket or auto-trait impls rustdoc synthesizes, nor
    anything from `#[doc(hidden)]` items or private modules.

A function has an example when its doc comment (its own; for an impl
method of a local trait without docs, the trait method's) contains a
fenced code block that runs as a doctest: an info string that is empty
or only `rust`, `should_panic` or `editionNNNN`. Blocks marked `ignore`,
`no_run`, `compile_fail` or `text`, or in another language, do not
count. The script does not judge whether the example asserts anything;
`cargo test --doc` and review do that.

Prints one line per crate: `<crate>: <with>/<total> = <pct>%`. With
`--list` it also prints the functions without an example, with their
source location. With `--min PCT` it exits with status 1 when the share
is below PCT.
"""

import json
import sys


RUNNABLE = {"", "rust", "should_panic"}


def fence_infos(docs):
    """The info strings of the fenced code blocks opened in `docs`."""
    infos, open_fence = [], None
    for line in docs.splitlines():
        stripped = line.strip()
        if not stripped.startswith("```"):
            continue
        if open_fence is None:
            open_fence = stripped[3:].strip()
            infos.append(open_fence)
        else:
            open_fence = None
    return infos


def runnable(info):
    """Whether a block with this info string is a doctest that runs."""
    tokens = [t for t in info.replace(",", " ").split() if t]
    return all(t in RUNNABLE or t.startswith("edition") for t in tokens)


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    list_missing = "--list" in argv
    minimum = None
    if "--min" in argv:
        minimum = float(argv[argv.index("--min") + 1])
        args.remove(argv[argv.index("--min") + 1])
    if len(args) != 1:
        sys.exit(__doc__)

    with open(args[0]) as f:
        doc = json.load(f)
    index = doc["index"]
    # Ids in `index` with crate_id 0 belong to this crate.
    local = {int(k) if isinstance(k, str) and k.isdigit() else k: v
             for k, v in index.items() if v.get("crate_id") == 0}

    def get(item_id):
        return local.get(item_id) or local.get(str(item_id))

    def hidden(item):
        return any("hidden" in str(a) and "doc" in str(a)
                   for a in item.get("attrs", []))

    functions = {}  # id -> item
    trait_docs = {}  # trait id -> {method name: docs}
    inherited = {}  # impl method id -> the trait method's docs
    seen = set()
    local_traits = set()

    def is_pub(item):
        return item.get("visibility") == "public"

    def visit(item_id):
        if item_id in seen:
            return
        seen.add(item_id)
        item = get(item_id)
        if item is None or hidden(item):
            return
        inner = item["inner"]
        kind = next(iter(inner))
        body = inner[kind]
        if kind == "module":
            for child in body["items"]:
                child_item = get(child)
                if child_item is not None and (
                    is_pub(child_item) or "use" in child_item["inner"]
                ):
                    visit(child)
        elif kind == "use":
            if is_pub(item) and body.get("id") is not None:
                visit(body["id"])
        elif kind == "function":
            functions[item_id] = item
        elif kind in ("struct", "enum", "union"):
            for impl_id in body.get("impls", []):
                visit_impl(impl_id)
        elif kind == "trait":
            local_traits.add(item_id)
            for child in body["items"]:
                child_item = get(child)
                if child_item is not None and "function" in child_item["inner"]:
                    functions[child] = child_item
            for impl_id in body.get("implementations", []):
                visit_impl(impl_id)

    def visit_impl(impl_id):
        item = get(impl_id)
        if item is None or hidden(item):
            return
        impl = item["inner"]["impl"]
        if impl.get("is_synthetic") or impl.get("blanket_impl") is not None:
            return
        trait = impl.get("trait")
        if trait is None:
            wanted = is_pub
        elif get(trait["id"]) is not None:
            # A trait of this crate: its methods are part of the API here.
            wanted = lambda i: True  # noqa: E731
            for trait_child in get(trait["id"])["inner"]["trait"]["items"]:
                declared = get(trait_child)
                if declared is not None:
                    trait_docs.setdefault(trait["id"], {})[declared["name"]] = \
                        declared.get("docs")
        else:
            return
        for child in impl["items"]:
            child_item = get(child)
            if (child_item is not None and "function" in child_item["inner"]
                    and not hidden(child_item) and wanted(child_item)):
                functions[child] = child_item
                if trait is not None and not child_item.get("docs"):
                    # rustdoc shows the trait method's docs on such an impl.
                    inherited[child] = trait_docs.get(trait["id"], {}).get(
                        child_item["name"])

    visit(doc["root"])

    def has_example(item):
        docs = item.get("docs") or inherited.get(item["id"]) or ""
        return any(runnable(info) for info in fence_infos(docs))

    total = len(functions)
    with_example = [f for f in functions.values() if has_example(f)]
    name = get(doc["root"])["name"]
    pct = 100.0 * len(with_example) / total if total else 100.0
    print(f"{name}: {len(with_example)}/{total} = {pct:.1f}%")
    if list_missing:
        missing = [f for f in functions.values() if not has_example(f)]
        for f in sorted(missing, key=lambda f: (f["span"]["filename"],
                                                f["span"]["begin"][0])):
            span = f["span"]
            print(f"  {span['filename']}:{span['begin'][0]}  {f['name']}")
    if minimum is not None and pct < minimum:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
