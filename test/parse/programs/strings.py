x = 'a', "b", '''c''', """d""", r'\d', R"\n", b'\x00\xff', B"b", br'\\', Rb'x', rB'y'
x = u'unicode', U'upper', u'a' 'b', 'a' u'b'
x = 'implicit' "concat" '''of''' """strings"""
x = ('multi'
     'line'  # comment
     "concat")
x = b'bytes' b"concat"
x = '\a\b\f\n\r\t\v\\\'\"\0\7\77\101\x41\u0041\U00000041'
x = '\N{LATIN SMALL LETTER A}\N{bullet}\N{LF}\N{CJK UNIFIED IDEOGRAPH-4E00}\N{HANGUL SYLLABLE GAG}'
x = 'unknown \q escape', '\
continued'
x = """triple
quoted
with "quotes" and 'quotes'
"""
x = 'é', 'ü漢字', '😀', 'a\u00e9b', b'\xe9'
x = ''
x = "" ''
x = 'tab\tin\tstring'
x = r'raw \' quote', r"\"", r'\\'
def f():
    """Docstring."""
    return 'é' + "漢"
