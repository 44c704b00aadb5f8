# Generates sample-p<N>.pkl: the same object pickled with CPython 3.11 at protocols 0-5 (the reader's reference).
import pickle, collections
shared = [1, 2]
obj = {
    'ints': [0, 255, 256, 65535, 65536, -1, -2**31, 2**31 - 1, 2**31, -2**31 - 1, 2**63, -2**70, 2**100],
    'floats': [0.5, -1e300, float('inf')],
    'text': 'héllo ˈaɪ \u2603 \U0001F600',
    'bytes': b'\x00\x01\xfe\xff' * 3,
    'bytearray': bytearray(b'ab'),
    'flags': (True, False, None),
    'tuples': ((), (1,), (1, 2), (1, 2, 3), (1, 2, 3, 4)),
    'shared': (shared, shared),
    'od': collections.OrderedDict([('z', 1), ('a', 2)]),
    'set': {7},
    'frozen': frozenset({8}),
    'many': ['s%d' % i for i in range(300)],
    3: 'int key',
}
for proto in range(6):
    with open('sample-p%d.pkl' % proto, 'wb') as f:
        pickle.dump(obj, f, protocol=proto)
