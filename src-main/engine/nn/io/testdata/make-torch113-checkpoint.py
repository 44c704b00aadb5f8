# Generates src-main/engine/nn/io/testdata/torch113-checkpoint.pth with PyTorch 1.13 (Debian python3-torch).
import torch, collections
sd = collections.OrderedDict()
sd['w'] = torch.arange(12, dtype=torch.float32).reshape(3, 4)
sd['wt'] = sd['w'].t()
sd['row'] = sd['w'][1]
sd['h'] = torch.tensor([1.0, -2.0, 65504.0], dtype=torch.float16)
sd['b'] = torch.tensor([1.0, -3.0], dtype=torch.bfloat16)
sd['i'] = torch.tensor([-5, 2**40], dtype=torch.int64)
sd['m'] = torch.tensor([True, False])
sd['p'] = torch.nn.Parameter(torch.ones(2, 2))
sd['s'] = torch.tensor(7, dtype=torch.int32)
lin = torch.nn.Linear(3, 2)
with torch.no_grad():
    lin.weight.copy_(torch.tensor([[0.5, -1.0, 2.0], [3.0, 0.25, -0.125]]))
    lin.bias.copy_(torch.tensor([1.5, -2.5]))
torch.save({'model': sd, 'linear': lin.state_dict(), 'step': 3, 'lr': 0.5, 'name': 'x'}, 'torch113-checkpoint.pth')
