import numpy as np
import pytest
import torch

from sparsesens.baselines import mlp


def separable(n=600, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((3, 20)) * 3
    y = rng.integers(0, 3, n)
    return (centres[y] + rng.standard_normal((n, 20))).astype(np.float32), y


def test_training_learns_and_is_deterministic():
    X, y = separable()
    runs = [mlp.train_mlp(X, y, hidden=32, batch_size=16, schedule=[(150, 0.1), (50, 0.01)],
                          seed=4) for _ in range(2)]
    assert mlp.accuracy(runs[0].model, X, y) > 0.95
    assert runs[0].loss[-20:].mean() < runs[0].loss[:20].mean()
    assert len(runs[0].loss) == 200
    for a, b in zip(runs[0].model.state_dict().values(), runs[1].model.state_dict().values(),
                    strict=True):
        assert torch.equal(a, b)
    other = mlp.train_mlp(X, y, hidden=32, batch_size=16, schedule=[(10, 0.1)], seed=5)
    assert not torch.equal(other.model[0].weight, runs[0].model[0].weight)


def test_hidden_layer_and_state_round_trip():
    X, y = separable(100)
    model = mlp.train_mlp(X, y, hidden=8, batch_size=10, schedule=[(5, 0.1)], seed=1).model
    H = mlp.hidden_layer(model, X, batch_size=30)
    W1, b1 = mlp.first_layer(model)
    np.testing.assert_allclose(H, np.maximum(X @ W1.T + b1, 0), rtol=1e-5, atol=1e-5)
    again = mlp.from_state_dict(model.state_dict())
    np.testing.assert_array_equal(mlp.hidden_layer(again, X), H)


def test_bad_shapes_are_refused():
    X, y = separable(50)
    with pytest.raises(ValueError, match="batch_size"):
        mlp.train_mlp(X, y, batch_size=51)
    with pytest.raises(ValueError, match="need X"):
        mlp.train_mlp(X, y[:10])


def test_momentum_is_torchs_sgd_momentum_and_checked():
    X, y = separable(200)
    schedule = [(30, 0.05)]
    plain = mlp.train_mlp(X, y, hidden=8, batch_size=20, schedule=schedule, seed=2)
    heavy = mlp.train_mlp(X, y, hidden=8, batch_size=20, schedule=schedule, seed=2,
                          momentum=0.9)
    # the same start and minibatches, so only the momentum sets them apart
    # (the first step is the same: heavy ball starts with v = g)
    assert plain.loss[1] == heavy.loss[1] and plain.loss[2] != heavy.loss[2]
    # one step of heavy ball by hand: v = g, w = w - lr v (then v = 0.9 v + g, ...)
    one = mlp.train_mlp(X, y, hidden=8, batch_size=20, schedule=[(1, 0.05)], seed=2,
                        momentum=0.9)
    start = mlp.build_mlp(20, 8, 3, seed=2)
    rng = np.random.default_rng(2)
    batch = torch.as_tensor(rng.permutation(200)[:20])
    loss = torch.nn.functional.cross_entropy(start(torch.as_tensor(X)[batch]),
                                             torch.as_tensor(y)[batch])
    loss.backward()
    expected = start[0].weight.detach() - 0.05 * start[0].weight.grad
    torch.testing.assert_close(one.model[0].weight, expected)
    for bad in (-0.1, 1.0):
        with pytest.raises(ValueError, match="momentum must be in"):
            mlp.train_mlp(X, y, momentum=bad, schedule=schedule)
