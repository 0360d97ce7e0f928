# _sre: compiled patterns and match objects.
import re, gc, sys
p = re.compile(r"(\w+)@(\w+)\.com")
m = p.search("mail bob@example.com now")
print(m.group(0), m.groups(), m.span(1), m.start(2), gc.is_tracked(m), gc.is_tracked(p))
print(re.findall(r"\d+", "a1b22c333"), re.sub(r"(a)(b)?", r"[\1\2]", "ab a"), re.split(r"[,;]\s*", "a, b;c"))
print([x.group() for x in re.finditer(r"[A-Z]", "aBcDe")], re.fullmatch(r"a+", "aaa") is not None, re.match("x", "y"))
print(re.escape("a.b*c"), re.sub(r"\s+", " ", "a  b\t\nc"), re.subn("a", "b", "aaa"))
named = re.match(r"(?P<key>\w+)=(?P<val>\d+)", "x=42")
print(named.groupdict(), named["val"], named.lastgroup)
print(re.compile("abc", re.I).match("ABC") is not None, re.search(r"^b", "a\nb", re.M).start())
