# str.encode with the UTF-8, ASCII and Latin-1 codecs and the built-in error handlers.
for s in ["x\u20acy", "caf\xe9", "a\U0001f600b", "a\udcffb"]:
    for codec in ["ascii", "latin-1", "utf-8"]:
        for err in ["strict", "ignore", "replace", "backslashreplace", "xmlcharrefreplace", "surrogateescape"]:
            try:
                print(codec, err, s.encode(codec, err))
            except UnicodeEncodeError as e:
                print(codec, err, "UnicodeEncodeError:", e)
