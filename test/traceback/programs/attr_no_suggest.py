x = 5
x.zzzzzzzzzzzz
