# Comments, blank lines, continuations, semicolons, tabs, form feeds, non-ASCII.
x = 1 + \
    2
if x \
   and y:
    pass

def f():
	return 1   # a tab-indented body

class C:
    def m(self):
        if x:
            pass
        else:
            pass
        # a comment at the end of a block
    # another

x = 1;
y = 2; z = 3;
 
    # an indented comment line
z = [1,
  2,
      3]

def g(): pass; pass

名前 = 'é'
café = 名前 + 'x'
ｆｕｌｌ = 1
x = (名前,
     café)
