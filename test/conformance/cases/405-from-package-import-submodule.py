# from package import submodule: the submodule is imported (importlib's _handle_fromlist)
import sys

print("xml.dom" in sys.modules)
from xml import dom
print("xml.dom" in sys.modules, dom.__name__, dom.Node.ELEMENT_NODE)
from xml.dom import minicompat, domreg
print(minicompat.__name__, domreg.__name__)
import xml
print(xml.dom is dom, xml.dom.domreg is domreg)
m = __import__("xml.dom", fromlist=["NodeFilter"])
print(m is dom, m.NodeFilter.__name__)
try:
    from xml import nosuch
except ImportError as e:
    print(type(e).__name__, e.name, str(e).split(" (")[0])
