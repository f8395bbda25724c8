"""Recalibrate robust2/final.keras's BatchNorms on batches through one attack only, export."""
import json
import sys

import keras

from keras_steg.batchnorm import recalibrate_batchnorm
from keras_steg.export import export_model
from keras_steg.layers.channel import parse_channel
from keras_steg.training import TrainConfig, make_datasets

spec, out = sys.argv[1], sys.argv[2]
cfg = TrainConfig(**json.load(open("/work/runs/robust2/train_config.json")))
train_ds, _, _ = make_datasets(cfg)
model = keras.models.load_model("/work/runs/robust2/final.keras")
model.channel = parse_channel(spec, seed=0)
recalibrate_batchnorm(model, train_ds.take(50))
export_model(model, out, keras_file=False, overwrite=True, weights_dtype="float16")
print("exported", out)
