# coding: ascii
print("only ascii is declared: café")
