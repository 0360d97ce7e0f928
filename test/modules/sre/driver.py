# Patterns compiled as re._compiler compiles them (table.py), run by _sre: every result printed.
import _sre

from table import CASES, EXTRA

print(_sre.MAGIC, _sre.CODESIZE, _sre.MAXREPEAT, _sre.MAXGROUPS, _sre.copyright)


def compile(pattern, flags):
    return _sre.compile(*EXTRA[(pattern, flags)])


def show_match(m):
    if m is None:
        print('   None')
        return
    print('  ', repr(m), m.group(), m.groups(), m.groupdict(), m.span(), m.lastindex, m.lastgroup, m.regs)
    for g in range(m.re.groups + 1):
        print('     group', g, repr(m.group(g)), m.start(g), m.end(g), m.span(g))


for args, subjects in CASES:
    p = _sre.compile(*args)
    print(repr(p), p.groups, sorted(p.groupindex.items()), p.flags, p.pattern == args[0])
    for s in subjects:
        print(' subject', repr(s))
        show_match(p.match(s))
        show_match(p.fullmatch(s))
        show_match(p.search(s))
        print('  findall', p.findall(s))
        print('  finditer', [m.span() for m in p.finditer(s)])
        print('  split', p.split(s), p.split(s, 1))
        dash = '-' if isinstance(s, str) else b'-'
        print('  sub', repr(p.sub(dash, s)), p.subn(lambda m: m.group()[::-1], s), p.sub(s[:0], s, count=1))
        print('  pos', p.search(s, 1), p.match(s, 1, 2), p.findall(s, 1, len(s) - 1))

# Groups by name and number, errors, arguments.
p = compile(r'(a)(?P<b>b)', 0)
m = p.match('ab')
print(m[0], m[1], m['b'], m.group(0, 1, 'b'), m.start('b'), m.end(1), m.span('b'))
for bad in (3, 'zz', -1):
    try:
        m.group(bad)
    except IndexError as e:
        print('IndexError', e)
for call in (lambda: p.match(b'ab'), lambda: compile(b'a', 0).match('a'), lambda: p.match(1)):
    try:
        call()
    except TypeError as e:
        print('TypeError', e)
print(p.match('ab', pos=1), p.search(string='xab'), m.pos, m.endpos, m.string, m.re is p)
print(p == compile(r'(a)(?P<b>b)', 0), hash(p) == hash(compile(r'(a)(?P<b>b)', 0)), p != compile(r'(a)b', 0))
sc = p.scanner('abab')
print(sc.match(), sc.search(), sc.search(), sc.pattern is p)
print(_sre.getcodesize(), _sre.ascii_iscased(ord('a')), _sre.unicode_iscased(ord('1')))
print(_sre.ascii_tolower(65), _sre.unicode_tolower(0x130), _sre.unicode_tolower(ord('Ω')))
print(compile(r'a', 2 | 8 | 16), compile(r'a', 256 | 64), compile(b'a', 2))
print(repr(p.match('ab')), m.groups('d'), compile(r'(a)(b)?', 0).match('a').groups('d'))
print(compile(r'(a)(b)?', 0).match('a').groupdict('d'), compile(r'(a)(b)?', 0).match('a').lastindex)
print(compile('x' * 300, 0))
print(compile(r'(a)b', 0).match('ab' + 'x' * 100))
n = compile(r'(?P<first>\w+)\s+(?P<last>\w+)', 0).search('  Ada Lovelace!')
print(n.groupdict(), n.lastgroup, n['first'], n.span('last'), n.expand is not None)
print(type(p).__name__, type(m).__name__, type(sc).__name__, type(p).__module__, type(sc).__module__)
