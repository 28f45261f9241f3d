"""pretrain.soup: weighted averages of model folders that share one architecture."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from sklearn_mirencoder.model.encoder import MIREncoder, load_weights

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from pretrain.soup import main, soup  # noqa: E402

from _model_fixtures import *  # noqa: E402,F401,F403


def test_soup_is_the_weighted_mean_and_loads(tiny_model_dir, tiny_model_dir_b, tmp_path):
    summary = soup([tiny_model_dir, tiny_model_dir_b], tmp_path / "s", mix=[1, 3])
    assert summary["mix"] == [0.25, 0.75]
    a, b, s = (load_weights(Path(f))[0] for f in (tiny_model_dir, tiny_model_dir_b, tmp_path / "s"))
    assert set(s) == set(a)
    for k in a:
        torch.testing.assert_close(s[k], 0.25 * a[k] + 0.75 * b[k])
    model = MIREncoder.from_pretrained(tmp_path / "s")
    Z = model.embed_ir([model_ir()])
    assert Z.shape == (1, model.config.output_dim()) and np.isfinite(Z).all()
    card = (tmp_path / "s" / "README.md").read_text()
    for folder, weight in [(tiny_model_dir, "0.250"), (tiny_model_dir_b, "0.750")]:
        sha = hashlib.sha256((Path(folder) / "model.safetensors").read_bytes()).hexdigest()
        assert f"| {weight} | `{Path(folder).name}` | {sha} |" in card


def test_soup_of_one_model_twice_is_that_model(tiny_model_dir, tmp_path):
    soup([tiny_model_dir, tiny_model_dir], tmp_path / "s")
    a, s = load_weights(Path(tiny_model_dir))[0], load_weights(tmp_path / "s")[0]
    assert all(torch.equal(a[k], s[k]) for k in a)


def test_soup_refuses_other_architectures_and_bad_mixes(tiny_model_dir, tmp_path):
    other = tmp_path / "other"
    MIREncoder.from_pretrained(tiny_model_dir).save_pretrained(other)
    config = json.loads((other / "config.json").read_text())
    config["text_layers"] += 1
    (other / "config.json").write_text(json.dumps(config))
    with pytest.raises(ValueError, match="another configuration or tokenizer"):
        soup([tiny_model_dir, other], tmp_path / "s")
    for mix in ([1.0], [1.0, -1.0], [0.0, 0.0]):
        with pytest.raises(ValueError, match="--mix needs 2 non-negative weights"):
            soup([tiny_model_dir, tiny_model_dir], tmp_path / "s", mix=mix)
    with pytest.raises(ValueError, match="at least two"):
        soup([tiny_model_dir], tmp_path / "s")


def test_command_line_writes_fp16(tiny_model_dir, tiny_model_dir_b, tmp_path, capsys):
    assert main([str(tiny_model_dir), str(tiny_model_dir_b), "--to", str(tmp_path / "s"), "--fp16"]) == 0
    assert json.loads(capsys.readouterr().out)["mix"] == [0.5, 0.5]
    assert json.loads((tmp_path / "s" / "config.json").read_text())["torch_dtype"] == "float16"


def model_ir() -> str:
    from pretrain.export import _CHECK_IR

    return _CHECK_IR
