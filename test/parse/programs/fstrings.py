x = f'{a}', f"{a!r}", f'{a!s:>10}', f'{a!a}', F'{a:{b}}', f'{a:{b}.{c}}', f'{{}}{{{a}}}'
x = f'{a=}', f'{a = }', f'{a=!s}', f'{a=:>4}', f'{ a }', f'{a, b}', f'{x for x in y}'
x = f'{a:{b}>}', f'{a:>{b}}', f'{a:{b}{c}}', f'{a:x{b}y{c}z}'
x = f'plain', f'', f'{a}' 'b' f'{c}', 'a' f'b' 'c', u'x' f'{y}', f'{y}' u'x'
x = rf'\d{a}', fr'{a}\n', Rf'{a}', f'\n{a}\t'
x = f'{f"{a}"}', f'''{f'{a}'}''', f"{'quoted'}", f'{"a" "b"}'
x = f'''
{a}
  {b +
c}
'''
x = (f'first {a}'
     f'second {b}')
x = f'{a["key"]}', f'{a[0]:{b}}', f'{lambda_}', f'{(lambda: 1)()}', f'{3.14:.2f}'
x = f'{a!r:}', f'{a:}'
x = f'{yield_}', f'{a if b else c}', f'{(a := 1)}', f'{*a,}'
x = f'é{a}ü{b}漢', f'😀{a}'
x = f'{a}{b}{c}', f'{a}' f'{b}' f'{c}'
x = f'\N{bullet} {a}'
async def g():
    x = f'{await h()}'
    y = f'{(yield)}'
