"""torch.optim.SGD against the hand-written update (the chapter "Optimizers").

The chapter shows once, on its own data, that ``optimizer.step()`` of plain SGD is the
update ``p -= lr * p.grad`` written out in Part 2. These tests repeat the comparison
independently of the chapter, on small data of their own, for several learning rates
and batch sizes, and check that the comparison can fail: SGD with momentum must give
different parameters.
"""

from __future__ import annotations

import copy

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

LEARNING_RATES = [0.001, 0.01, 0.05, 0.1, 0.2]


def make_data(n: int = 24, seed: int = 0) -> TensorDataset:
    gen = torch.Generator().manual_seed(seed)
    x = 6 * torch.rand(n, 1, generator=gen) - 3
    y = -3 * x + 1 + 0.4 * torch.randn(n, 1, generator=gen)
    return TensorDataset(x, y)


def make_model(seed: int = 0) -> nn.Linear:
    torch.manual_seed(seed)
    return nn.Linear(1, 1)


def batches(data: TensorDataset, batch_size: int, epochs: int, seed: int = 1) -> list:
    """The same mini-batches, in the same shuffled order, for every run."""
    loader = DataLoader(
        data, batch_size=batch_size, shuffle=True, generator=torch.Generator().manual_seed(seed)
    )
    return [batch for _ in range(epochs) for batch in loader]


def train_with(optimizer: torch.optim.Optimizer, model: nn.Module, plan: list) -> nn.Module:
    loss_fn = nn.MSELoss()
    for xb, yb in plan:
        loss = loss_fn(model(xb), yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model


def train_by_hand(model: nn.Module, plan: list, lr: float, *, fused: bool) -> nn.Module:
    """Plain gradient descent written out: ``p -= lr * p.grad``, or ``add_`` with alpha."""
    loss_fn = nn.MSELoss()
    for xb, yb in plan:
        loss = loss_fn(model(xb), yb)
        loss.backward()
        with torch.no_grad():
            for p in model.parameters():
                if fused:
                    p.add_(p.grad, alpha=-lr)
                else:
                    p -= lr * p.grad
                p.grad = None
    return model


def max_difference(a: nn.Module, b: nn.Module) -> float:
    return max(
        (p - q).abs().max().item() for p, q in zip(a.parameters(), b.parameters(), strict=True)
    )


@pytest.mark.parametrize("batch_size", [1, 5, 24])
@pytest.mark.parametrize("lr", LEARNING_RATES)
def test_sgd_step_is_the_hand_written_update(lr, batch_size):
    data = make_data()
    plan = batches(data, batch_size, epochs=4)
    start = make_model()

    with_sgd = copy.deepcopy(start)
    train_with(torch.optim.SGD(with_sgd.parameters(), lr=lr), with_sgd, plan)
    by_hand = train_by_hand(copy.deepcopy(start), plan, lr, fused=False)
    by_hand_fused = train_by_hand(copy.deepcopy(start), plan, lr, fused=True)

    # Training moved the parameters and stayed finite, so the comparison compares something.
    assert max_difference(with_sgd, start) > 1e-4
    assert all(torch.isfinite(p).all() for p in with_sgd.parameters())
    for p, q, r in zip(
        with_sgd.parameters(), by_hand.parameters(), by_hand_fused.parameters(), strict=True
    ):
        # `p -= lr * grad` rounds the product first; allow for a fused multiply-add.
        torch.testing.assert_close(q, p, rtol=1e-6, atol=1e-7)
        # SGD's own arithmetic, written out, gives the same bits.
        assert torch.equal(r, p)


@pytest.mark.parametrize("lr", [0.01, 0.05])
def test_sgd_with_momentum_differs_from_the_plain_update(lr):
    data = make_data()
    plan = batches(data, batch_size=5, epochs=4)
    start = make_model()

    with_momentum = copy.deepcopy(start)
    train_with(
        torch.optim.SGD(with_momentum.parameters(), lr=lr, momentum=0.9), with_momentum, plan
    )
    by_hand = train_by_hand(copy.deepcopy(start), plan, lr, fused=True)

    assert max_difference(with_momentum, by_hand) > 1e-3


def test_momentum_step_follows_its_formula():
    """v <- mu * v + g, p <- p - lr * v (dampening 0), checked step by step."""
    data = make_data()
    plan = batches(data, batch_size=6, epochs=2)
    model, lr, mu = make_model(), 0.05, 0.9
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=mu)
    buffers = [torch.zeros_like(p) for p in model.parameters()]
    for xb, yb in plan:
        loss = nn.MSELoss()(model(xb), yb)
        optimizer.zero_grad()
        loss.backward()
        expected = []
        for i, p in enumerate(model.parameters()):
            buffers[i] = mu * buffers[i] + p.grad
            expected.append(p.detach() - lr * buffers[i])
        optimizer.step()
        for p, want in zip(model.parameters(), expected, strict=True):
            torch.testing.assert_close(p.detach(), want, rtol=1e-5, atol=1e-6)


def test_forgetting_zero_grad_is_momentum_one():
    """The chapter's claim: never clearing .grad is SGD with momentum 1."""
    data = make_data()
    plan = batches(data, batch_size=6, epochs=3)
    start = make_model()
    loss_fn = nn.MSELoss()

    forgetful = copy.deepcopy(start)
    optimizer = torch.optim.SGD(forgetful.parameters(), lr=0.01)
    for xb, yb in plan:
        loss_fn(forgetful(xb), yb).backward()  # no zero_grad()
        optimizer.step()

    heavy = copy.deepcopy(start)
    train_with(torch.optim.SGD(heavy.parameters(), lr=0.01, momentum=1.0), heavy, plan)
    plain = copy.deepcopy(start)
    train_with(torch.optim.SGD(plain.parameters(), lr=0.01), plain, plan)

    for p, q in zip(forgetful.parameters(), heavy.parameters(), strict=True):
        torch.testing.assert_close(p, q, rtol=1e-6, atol=1e-6)
    assert max_difference(forgetful, plain) > 1e-3
