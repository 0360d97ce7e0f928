/*
 * A program the command tests share (views.test.ts, debugVerbs.test.ts): a linked list
 * built in a function, a list holding two of its nodes, a cycle the collector frees,
 * and a name for the last node. Its lines are referred to by number in the tests.
 */
export const NODES = `import gc
class Node:
    def __init__(self, value, next=None):
        self.value = value
        self.next = next

def build(n):
    head = None
    for i in range(n):
        head = Node(i, head)
    return head

head = build(3)
items = [head, head.next]
a = []
b = [a]
a.append(b)
del a, b
gc.collect()
tail = head.next.next
print(len(items))
`;
