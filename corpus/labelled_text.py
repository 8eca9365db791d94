"""The texts of labelled evaluation files, without their labels, as rows `communique import` reads.

The labelled sets (`tests/files/devset*/items.jsonl`, the format of DESIGN.md) hold real
statements and Q&A of fifteen-plus ministries. The demo imports their words so that its
corpus has several ministries' voices, and nothing else of them: the actors, classes,
stances, episodes and notes are what the analysis is scored against, and stay out of
the corpus. Three kinds of item are left out, each counted:

* undated items (the importer needs a day, and refuses the whole file otherwise);
* items whose page is already a crawled document of the corpus (the China MFA items are
  turns of the saved fmprc.gov.cn pages the demo crawls: importing them again would
  count every one of those answers twice);
* the same words twice (an item of two sets), kept once.

Each ministry gets a source of its own (`import_<ministry>`), so that an embassy's
statements are filed under its name; comparisons join a country's sources again.

Usage: python -m corpus.labelled_text --db demo/communique.db --output labelled.jsonl FILE...
"""

from __future__ import annotations

import argparse
import json
import re
import unicodedata
import sys
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

# What an imported row keeps: the words and their provenance, never a label.
KEPT = ("id", "date", "ministry", "country", "spokesperson", "url", "question", "answer")


def slug(text: str) -> str:
    """A source name from a ministry's: "Türkiye MFA" -> turkiye_mfa."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", plain.lower()).strip("_")


def text_rows(paths: Iterable[Path], crawled_urls: set[str] = frozenset()) -> tuple[list[dict], Counter]:
    """The kept fields of every usable item of the files, in file order, and what was left out and why."""
    rows, left_out, seen = [], Counter(), set()
    for path in paths:
        for number, line in enumerate(Path(path).read_text(encoding="utf-8").split("\n"), start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as error:
                raise ValueError(f"{path}:{number}: malformed JSON ({error.msg})") from None
            if not item.get("date"):
                left_out["undated"] += 1
            elif item.get("url") in crawled_urls:
                left_out["already crawled"] += 1
            elif (item["date"], item.get("question"), item.get("answer")) in seen:
                left_out["repeated"] += 1
            else:
                seen.add((item["date"], item.get("question"), item.get("answer")))
                row = {key: item[key] for key in KEPT if item.get(key) is not None}
                if row.get("ministry"):
                    # a source per ministry, so that each is filed under its own name ("Russia MFA (Embassy
                    # in London)" apart from "Russia MFA"); the comparisons join a country's sources again
                    row["source"] = f"import_{slug(row['ministry'])}"
                rows.append(row)
    return rows, left_out


def crawled_document_urls(db_path: Path) -> set[str]:
    """The URLs of the corpus' crawled documents (imported rows have other URLs: `<url>#<id>`)."""
    from .store import Corpus

    if not db_path.exists():
        return set()
    with Corpus(db_path) as corpus:
        return {row[0] for row in corpus.db.execute("SELECT url FROM documents WHERE layout NOT LIKE 'import:%'")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", type=Path, help="labelled JSONL files")
    parser.add_argument("--db", type=Path, help="leave out the items whose page this corpus crawled")
    parser.add_argument("--output", type=Path, required=True, help="the JSONL file to write")
    args = parser.parse_args(argv)
    try:
        rows, left_out = text_rows(args.files, crawled_document_urls(args.db) if args.db else set())
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    skipped = ", ".join(f"{n} {why}" for why, n in sorted(left_out.items())) or "none"
    print(f"{len(rows)} items' texts written to {args.output} (left out: {skipped})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
