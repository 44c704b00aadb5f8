# Generates numpy2-object.npy with numpy 2.x: np.save of a dict (0-d object array, pickle protocol 4,
# module numpy._core.multiarray, FRAME / SHORT_BINUNICODE / STACK_GLOBAL / MEMOIZE opcodes).
import numpy as np
np.save('numpy2-object.npy', {
    'codes': np.arange(6, dtype=np.uint16).reshape(1, 2, 3),
    'metadata': {'sample_rate': 24000, 'x': 1.5, 'flag': True, 'big': 2**70, 'arr': np.array([1.5, -2.0], np.float32),
                 'f8': np.array([[1.0, 2.0], [3.0, 4.0]], order='F'), 'be': np.array([1, 258], dtype='>i4'),
                 'scalar': np.float32(0.25), 'nested': [1, (2, 'two')], 'none': None, 'bytes': b'\x00\xff'},
}, allow_pickle=True)
