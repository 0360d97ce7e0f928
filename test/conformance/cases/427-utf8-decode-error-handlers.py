# bytes.decode("utf-8") of invalid sequences: where and why CPython reports them, and each handler.
for b in [b"\xff", b"a\xe2\x82", b"\xe2x", b"\xe2\x82x", b"\xed\xa0\x80", b"\xf0\x9f\x98\x80ok", b"\xc0\xaf", b"\xf4\x90\x80\x80", b"caf\xc3\xa9"]:
    for err in ["strict", "ignore", "replace", "surrogateescape", "backslashreplace"]:
        try:
            print(err, ascii(b.decode("utf-8", err)))
        except UnicodeDecodeError as e:
            print(err, "UnicodeDecodeError:", e)
