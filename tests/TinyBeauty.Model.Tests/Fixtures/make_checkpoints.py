"""Writes the small PyTorch checkpoints that PyTorchCheckpointTests reads.

Run from this folder with any PyTorch >= 1.6 (Debian's python3-torch 1.13.1 made the committed files):

    python3 make_checkpoints.py

CI does not need PyTorch: the .pt files are committed. They hold only made-up numbers.
"""

import collections

import torch


def main():
    # A view that starts at element 4 of a 10-element storage; the base tensor shares the same storage.
    base = torch.arange(10, dtype=torch.float32) / 4
    view = base[4:10].view(2, 3)
    assert view.storage_offset() == 4

    state = collections.OrderedDict()
    state["a.weight"] = torch.tensor([[1.0, -2.0, 3.5], [0.25, 0.0, -7.0]])
    state["b.half"] = torch.tensor([0.5, -1.25, 3.0, 65504.0], dtype=torch.float16)
    state["c.view"] = view
    state["c.base"] = base
    state["d.bfloat16"] = torch.tensor([1.0, -3.0, 0.15625], dtype=torch.bfloat16)
    state["e.double"] = torch.tensor([[0.1], [1e-3]], dtype=torch.float64)
    state["f.parameter"] = torch.nn.Parameter(torch.tensor([2.0, 4.0]))
    state["g.scalar"] = torch.tensor(42.0)

    # Like the official files: the state dict sits under a key, next to other training state.
    torch.save({"cleaner": state, "epoch": 3, "note": "fixture"}, "tiny_checkpoint.pt")

    # Like a DataParallel model saved bare: every key starts with "module.".
    bare = collections.OrderedDict(("module." + key, value) for key, value in state.items())
    torch.save(bare, "tiny_module_state_dict.pt")

    # Pickle protocol 4 uses other opcodes (FRAME, STACK_GLOBAL, MEMOIZE, SHORT_BINUNICODE).
    torch.save({"cleaner": state}, "tiny_checkpoint_protocol4.pt", pickle_protocol=4)


if __name__ == "__main__":
    main()
