"""`python3.11 -m dis FILE` for many files in one process, as JSON lines.

Usage: PYTHONHASHSEED=0 python3.11 disall.py FILE...   (or file paths on stdin with -)

One line per file: {"path": FILE, "dis": <what `python3 -m dis FILE` prints>}, or
{"path": FILE, "error": ...} when CPython cannot compile it. Like `-m dis`, the file is
compiled with compile(source, FILE, "exec"). Test tooling only.
"""
import dis
import io
import json
import sys


def main():
    args = sys.argv[1:]
    if args == ["-"]:
        args = [line.strip() for line in sys.stdin if line.strip()]
    for path in args:
        with open(path, "rb") as f:
            source = f.read()
        try:
            code = compile(source, path, "exec")
        except (SyntaxError, ValueError) as e:
            sys.stdout.write(json.dumps({"path": path, "error": str(e)}) + "\n")
            continue
        buf = io.StringIO()
        dis.dis(code, file=buf)
        sys.stdout.write(json.dumps({"path": path, "dis": buf.getvalue()}) + "\n")


if __name__ == "__main__":
    main()
