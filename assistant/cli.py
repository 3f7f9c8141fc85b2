"""The `rammeaftale` command: ingest, ask, eval, bench, serve."""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


def _progress_bar():
    """A progress bar for the embedding (the slow stage); a line for the others."""
    from tqdm import tqdm
    state: dict = {}

    def progress(stage: str, done: int, total: int):
        if stage != "indlejring":
            print(f"{stage}: {done}/{total}", file=sys.stderr)
            return
        bar = state.get("bar")
        if bar is None:
            if total == 0:
                print("indlejring: alle vektorer fundet i cachen", file=sys.stderr)
                state["bar"] = False
                return
            bar = state["bar"] = tqdm(total=total, desc="indlejring", unit="passager", file=sys.stderr)
        if bar:
            bar.n = done
            bar.refresh()
            if done >= total:
                bar.close()
    return progress


def cmd_ingest(args) -> int:
    from ingest.index import build_index, current_index, is_stale
    from ingest.manifest import ManifestError

    from .config import Settings
    settings = Settings()
    folder = current_index(settings.data_dir)
    if folder and not args.rebuild:
        if not is_stale(folder, settings.corpus_dir):
            print(f"Indekset findes allerede i {settings.data_dir / 'index'} og er opdateret; "
                  "brug --rebuild for at bygge det igen.")
            return 0
        print("Materialet eller indekseringen er ændret siden sidst: indekset bygges igen.")
    try:
        folder = build_index(settings, progress=_progress_bar())
    except ManifestError as exc:
        logging.getLogger("rammeaftale").error("ingest failed: %s", exc)
        print(f"Indeksering mislykkedes: {exc}. Det tidligere indeks er uændret.", file=sys.stderr)
        return 2
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    print(f"Indeks bygget: {meta['passages']} passager, {meta['places']} steder i kilderne, "
          f"{meta['groups_with_duplicates']} udsagn registreret flere steder, {meta['seconds']} s.")
    return 0


def _say_report(report) -> None:
    from ingest.documents import describe
    print("\n".join(describe(report)))


def cmd_add(args) -> int:
    from ingest.documents import DocumentError, add_documents

    from .config import Settings
    try:
        report = add_documents(Settings(), args.paths, title=args.title or "", date=args.date or "",
                               meeting=args.meeting or "", new_meeting=args.new_meeting or "",
                               place=args.place or "", voice=args.voice or "", kind=args.kind or "",
                               progress=_progress_bar())
    except DocumentError as exc:
        print(f"Intet tilføjet: {exc} Manifestet og indekset er uændrede.", file=sys.stderr)
        return 2
    _say_report(report)
    return 0


def cmd_remove(args) -> int:
    from ingest.documents import DocumentError, remove_document

    from .config import Settings
    try:
        report = remove_document(Settings(), args.file, progress=_progress_bar())
    except DocumentError as exc:
        print(f"Intet fjernet: {exc} Manifestet og indekset er uændrede.", file=sys.stderr)
        return 2
    _say_report(report)
    return 0


def format_answer(result: dict) -> str:
    lines = [result["answer"]]
    if result.get("notice"):
        lines.insert(0, f"({result['notice']})")
    if result["citations"]:
        lines += ["", "Kilder:"]
        for c in result["citations"]:
            label = c.get("label") or c["voice_label"]
            lines.append(f"[{c['n']}] {c['file']}, linje {c['line_start']}-{c['line_end']} · {label}")
            for p in c["also_in"]:
                where = (p.get("recorded_in") or {}).get("title", "")
                lines.append(f"     også registreret i {p['file']}, linje {p['line_start']}-{p['line_end']}"
                             + (f" ({where})" if where else ""))
    if result.get("maybe_relevant"):
        lines += ["", "Måske relevant:"]
        for c in result["maybe_relevant"]:
            lines.append(f"- {c['file']}, linje {c['line_start']}-{c['line_end']}: «{c['quote']}»")
    return "\n".join(lines)


def cmd_ask(args) -> int:
    from . import Assistant
    result = Assistant(progress=None if args.json else _progress_bar()).ask(args.question, previous=args.previous)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print(format_answer(result))
    return 0


def cmd_eval(args) -> int:
    from eval.run import main as eval_main
    return eval_main(args)


def cmd_bench(args) -> int:
    from eval.bench import main as bench_main
    return bench_main(args)


def cmd_load(args) -> int:
    from eval.load import main as load_main
    return load_main(args)


def cmd_serve(args) -> int:
    from .ui import serve
    serve(host=args.host, port=args.port)
    return 0


_ARGPARSE_DA = [  # argparse's own messages, in Danish for the user
    ("the following arguments are required: ", "disse argumenter mangler: "),
    ("unrecognized arguments: ", "ukendte argumenter: "),
    ("invalid choice: ", "ugyldigt valg: "),
    ("expected one argument", "forventede én værdi"),
    ("argument ", "argument "),
    ("not allowed with argument ", "kan ikke bruges sammen med "),
    ("invalid int value: ", "ikke et heltal: "),
    ("choose from ", "vælg blandt "),
]


class DanishArgumentParser(argparse.ArgumentParser):
    """argparse with its error messages in Danish (exit code 2, no traceback)."""

    def error(self, message: str):
        for en, da in _ARGPARSE_DA:
            message = message.replace(en, da)
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: fejl: {message}. Se «{self.prog} --help».\n")


def build_parser() -> argparse.ArgumentParser:
    parser = DanishArgumentParser(prog="rammeaftale", description="Rammeaftale-assistenten")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("ingest", help="build the index from corpus/")
    p.add_argument("--rebuild", action="store_true", help="build again even when an index exists")
    p.set_defaults(func=cmd_ingest)
    p = sub.add_parser("add", help="add documents (PDF, Word, Markdown, text) to the corpus and the index")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--title", help="the document's title (default: from the document)")
    p.add_argument("--date", help="YYYY-MM-DD")
    p.add_argument("--meeting", help="id of an existing meeting in manifest.toml")
    p.add_argument("--new-meeting", metavar="TITEL", help="create a new meeting with this title")
    p.add_argument("--place", help="where (the new meeting's place)")
    p.add_argument("--voice", help="who speaks (a voice id; default: ikke angivet)")
    p.add_argument("--kind", help="kind of document, e.g. mødereferat")
    p.set_defaults(func=cmd_add)
    p = sub.add_parser("remove", help="take a document out of the corpus and the index")
    p.add_argument("file", metavar="FILE", help="the corpus file name (or the original's name)")
    p.set_defaults(func=cmd_remove)
    p = sub.add_parser("ask", help="answer one question")
    p.add_argument("question")
    p.add_argument("--json", action="store_true")
    p.add_argument("--previous", default=None, metavar="SPØRGSMÅL",
                   help="the question asked before, for a follow-up such as \"og brugerne?\"")
    p.set_defaults(func=cmd_ask)
    p = sub.add_parser("eval", help="run an eval set")
    p.add_argument("--questions", default=None)
    p.add_argument("--out", default=None)
    p.add_argument("--baseline", action="store_true", help="also run the plain llama-index baseline")
    p.add_argument("--generator", default=None, help="answer generator to evaluate")
    p.add_argument("--half", choices=["tune", "test", "all"], default=None,
                   help="half of the own set (eval/split.py); default test; 'all' reports both and the gap")
    p.add_argument("--min-answer-hit", type=float, default=None)
    p.add_argument("--min-refusal-recall", type=float, default=None)
    p.set_defaults(func=cmd_eval)
    p = sub.add_parser("bench", help="latency and cold start figures")
    p.add_argument("--questions", default=None)
    p.add_argument("--repeat", type=int, default=3)
    p.set_defaults(func=cmd_bench)
    p = sub.add_parser("load", help="many simultaneous users against the page's /ask endpoint (127.0.0.1 only)")
    p.add_argument("--users", type=int, default=20)
    p.add_argument("--questions", type=int, default=10, help="questions per user")
    p.add_argument("--url", default=None, help="a running page on 127.0.0.1; default: start one in this process")
    p.add_argument("--timeout", type=float, default=300.0, help="hard limit for the whole run, seconds")
    p.add_argument("--questions-file", default=None, help="JSONL with a \"question\" per line")
    p.add_argument("--json", action="store_true", help="the figures as one JSON object")
    p.set_defaults(func=cmd_load)
    p = sub.add_parser("serve", help="the chat page")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=7860)
    p.set_defaults(func=cmd_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=os.environ.get("RAMMEAFTALE_LOG", "WARNING"),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("bm25s", "httpx", "chromadb", "llama_index"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    if argv is None:
        # invalid UTF-8 on the command line arrives as surrogates: make it text, not a crash
        argv = [a.encode("utf-8", "surrogateescape").decode("utf-8", "replace") for a in sys.argv[1:]]
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except BrokenPipeError:  # `rammeaftale ask ... | head`: the reader left, that is fine
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
