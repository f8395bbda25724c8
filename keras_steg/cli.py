"""The ``keras-steg`` command line: train, hide, reveal, evaluate, robustness, export, demo
(and the steganalysis verbs of ``cli_steganalysis``)."""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

from keras_steg.channel_spec import CHANNEL_HELP
from keras_steg.precision import CHOICES as PRECISION_CHOICES
from keras_steg.precision import INFERENCE_CHOICES
from keras_steg.scramble import FRAME_GROUP

EXIT_BAD_INPUT = 2


class BadInput(Exception):
    """A user error: printed as one line, exit code 2."""


def _progress(done: int, total: int) -> None:
    width = 30
    filled = width * done // total
    print(f"\r[{'=' * filled}{'.' * (width - filled)}] {done}/{total}", end="", file=sys.stderr)
    if done == total:
        print(file=sys.stderr)


def _model_config(pairs: list[str]) -> dict:
    """["width=0.25", "quantize=false"] -> {"width": 0.25, "quantize": False}."""
    import json

    config = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise BadInput(f"--model-config {pair!r}: expected KEY=VALUE, e.g. width=0.25")
        try:
            config[key] = json.loads(value.lower() if value.lower() in ("true", "false") else value)
        except json.JSONDecodeError:
            config[key] = value
    return config


# === Verbs ===
def cmd_train(args) -> None:
    from keras_steg.training import TrainConfig, train

    cfg = TrainConfig(
        data=args.data, out=args.out, model=args.model, model_config=_model_config(args.model_config),
        modality=args.modality, audio_representation=args.audio_representation,
        data_dir=args.data_dir,
        tfds_split=args.split, val_data=args.val_data, val_fraction=args.val_fraction,
        crop=args.size, val_size=args.val_size, scale_to=args.scale_to or None,
        scale_jitter=args.scale_jitter,
        batch=args.batch, epochs=args.epochs, steps_per_epoch=args.steps_per_epoch,
        lr=args.lr, reveal_lr=args.reveal_lr, alpha=args.alpha, beta=args.beta, loss=args.loss,
        cover_loss=args.cover_loss,
        channel=args.channel, quantize_after=args.quantize_after, precision=args.precision, init=args.init,
        seed=args.seed, warmup=args.warmup, lr_decay=args.lr_decay, bn_batches=args.bn_batches,
        scramble_secrets=args.scramble_secrets, strategy=args.strategy, cpu_replicas=args.cpu_replicas,
    )
    train(cfg, overwrite=args.overwrite)
    print(f"trained model and logs in {cfg.out} "
          f"(export with: keras-steg export {cfg.out}/final.keras -o DIR)")


def cmd_hide(args) -> None:
    from keras_steg.media import hide_file

    out = hide_file(args.cover, args.secret, args.output, model=args.model,
                    overwrite=args.overwrite, lossy=args.lossy, progress=_progress,
                    key=args.key, method=args.method, bits=args.bits, precision=args.precision)
    print(f"container written to {out}")


def cmd_reveal(args) -> None:
    from keras_steg.media import reveal_file

    out = reveal_file(args.container, args.output, model=args.model, overwrite=args.overwrite,
                      progress=_progress, key=args.key, method=args.method, bits=args.bits,
                      precision=args.precision)
    print(f"revealed secret written to {out}")


def cmd_evaluate(args) -> None:
    from keras_steg.evaluation import COLUMNS, evaluate_files, summarize, write_csv
    from keras_steg.inference import from_saved_models

    if args.csv and Path(args.csv).exists() and not args.overwrite:
        raise BadInput(f"{args.csv}: already exists (use --overwrite to replace it)")
    steg = from_saved_models(args.model, args.precision)
    kind, files = _evaluation_files(args.data, steg)
    if args.limit:
        files = files[: args.limit]
    if kind == "image":
        rows = evaluate_files(steg, files, args.size or None, progress=_progress)
        columns = COLUMNS
    elif kind == "audio":
        from keras_steg.media_evaluation import AUDIO_COLUMNS, evaluate_audio_files

        rows = evaluate_audio_files(steg, files, args.seconds or None, progress=_progress)
        columns = AUDIO_COLUMNS
    else:
        from keras_steg.media_evaluation import VIDEO_COLUMNS, evaluate_video_files

        rows = evaluate_video_files(steg, files, args.frames or None, progress=_progress)
        columns = VIDEO_COLUMNS
    header = columns[2:]
    print(f"{'cover':<28}" + "".join(f"{h:>17}" for h in header))
    for row in rows:
        print(f"{row['cover'][:27]:<28}" + "".join(f"{row[h]:>17.4f}" for h in header))
    mean = summarize(rows, header)
    print(f"{'mean':<28}" + "".join(f"{mean[h]:>17.4f}" for h in header))
    if args.csv:
        write_csv(rows, args.csv, columns)
        print(f"per-{kind} table written to {args.csv}")


def _evaluation_files(folder: str, steg) -> tuple[str, list[str]]:
    """(kind, files) to evaluate ``steg`` on: audio clips for an audio model; for an image
    model the folder's images, or its videos when it has no images."""
    from keras_steg.data.audio import list_audio
    from keras_steg.data.images import list_images
    from keras_steg.data.video import list_videos
    from keras_steg.media import AUDIO, model_kinds

    kinds = model_kinds(steg)
    if kinds == (AUDIO, AUDIO):
        return "audio", list_audio(folder)
    if kinds != ("image", "image"):
        raise BadInput(f"evaluate measures image-in-image and audio-in-audio models; this one "
                       f"hides {kinds[1]} in {kinds[0]}")
    try:
        return "image", list_images(folder)
    except ValueError:
        try:
            return "video", list_videos(folder)
        except ValueError:
            raise BadInput(f"{folder}: no images or videos to evaluate an image model on") from None


def cmd_robustness(args) -> None:
    from keras_steg import robustness
    from keras_steg.data.images import list_images
    from keras_steg.evaluation import load_readable
    from keras_steg.inference import from_saved_models

    out = Path(args.out)
    outputs = {ext: out / f"robustness.{ext}" for ext in ("csv", "png", "md")}
    taken = [str(p) for p in outputs.values() if p.exists()]
    if taken and not args.overwrite:
        raise BadInput(f"{taken[0]}: already exists (use --overwrite to replace it)")
    if args.pairs < 2:
        raise BadInput(f"--pairs must be at least 2, got {args.pairs}")
    if args.size < 32:
        raise BadInput(f"--size must be at least 32, got {args.size}")
    if out.exists() and not out.is_dir():
        raise BadInput(f"{out}: exists and is not a folder")
    images, _ = load_readable(list_images(args.data), args.size, limit=args.pairs)
    if len(images) < 2:
        raise BadInput(f"{args.data}: robustness needs at least two readable images")
    rows = []
    for name in args.model or ["scnn"]:
        print(f"{name}: {len(images)} pairs at {args.size}x{args.size}", file=sys.stderr)
        rows += robustness.robustness_rows(from_saved_models(name), images, model=name,
                                           progress=_progress)
    out.mkdir(parents=True, exist_ok=True)
    table = robustness.format_table(rows)
    print(table)
    robustness.write_csv(rows, outputs["csv"])
    outputs["md"].write_text(table + "\n")
    robustness.plot(rows, outputs["png"])
    print(f"table, CSV and plot written to {out}/robustness.{{md,csv,png}}")


def cmd_export(args) -> None:
    import keras

    import keras_steg.models  # noqa: F401  (registers StegModel for load_model)
    from keras_steg.export import export_model, read_metadata
    from keras_steg.pretrained import load_pretrained, resolve_model_dir

    source = Path(args.checkpoint)
    measured, keras_file = None, True
    if source.suffix == ".keras":
        if not source.is_file():
            raise BadInput(f"{source}: no such file")
        model = keras.saving.load_model(source, compile=False)
        weights = args.weights or "float32"
    else:
        try:
            folder = resolve_model_dir(args.checkpoint)
        except ValueError as err:
            raise BadInput(f"{source}: expected a .keras file written by keras-steg train, or an "
                           "exported model folder or shipped model name") from err
        if Path(args.output).resolve() == folder.resolve():
            raise BadInput(f"{args.output}: is the source; export to another folder")
        # Re-exporting a folder writes it in this version's format (BatchNorm folded, bfloat16
        # signature) with the same weights; its measured quality goes along with them.
        model = load_pretrained(str(folder))
        source_metadata = read_metadata(folder)
        weights = args.weights or source_metadata.get("weights_dtype", "float32")
        measured = source_metadata.get("heldout")
        keras_file = (folder / "model.keras").is_file()
    out = export_model(model, args.output, keras_file=keras_file, overwrite=args.overwrite,
                       weights_dtype=weights, measured=measured)
    print(f"sender and receiver SavedModels written to {out}")


def cmd_tflite(args) -> None:
    """sender.tflite and receiver.tflite of a shipped or exported model."""
    from keras_steg.tflite import export_tflite

    photos = []
    if args.quantize == "int8":
        if not args.calibration:
            raise ValueError("--quantize int8 needs --calibration FOLDER (photos like the ones "
                             "you will hide, to measure activation ranges)")
        from keras_steg.data.images import list_images
        from keras_steg.evaluation import load_square

        files = list_images(args.calibration)[:args.calibration_count]
        photos = [load_square(f, args.calibration_size) for f in files]
    written = export_tflite(args.model or "scnn", args.output, quantize=args.quantize,
                            overwrite=args.overwrite, calibration_photos=photos)
    for part, path in written.items():
        print(f"{part}: {path} ({path.stat().st_size / 1e6:.1f} MB)")


def cmd_demo(args) -> None:
    from keras_steg.demo import run_demo

    start = time.time()
    report = run_demo(args.output, model=args.model, overwrite=args.overwrite,
                      precision=args.precision)
    for line in report:
        print(line)
    print(f"done in {time.time() - start:.1f} s")


def cmd_models(args) -> None:
    """The shipped models as a table, or one model's card."""
    from keras_steg.pretrained import describe_shipped, models_roots, models_table

    models = describe_shipped()
    if not models:
        roots = ", ".join(str(r) for r in models_roots())
        raise BadInput(f"no shipped models found (searched {roots})")
    if args.name:
        chosen = [m for m in models if m.name == args.name]
        if not chosen:
            raise BadInput(f"{args.name}: no such shipped model (shipped: "
                           f"{', '.join(m.name for m in models)})")
        model = chosen[0]
        print(f"# {model.name}: {model.family}, {model.kind}, {model.size_mb:.0f} MB, {model.folder}\n")
        print(model.card.read_text() if model.card else "(this model has no MODEL_CARD.md)")
        return
    print(models_table(models))
    print("\nHeld-out quality: images after an 8-bit PNG round trip, audio through a float WAV "
          "(see each model card); "
          "`keras-steg models NAME` prints a model card.")


# === Parser ===
def _add_precision_option(p: argparse.ArgumentParser, default: str) -> None:
    """--precision of the exported networks, shared by the verbs that run them: "auto" where
    a user wants a file fast (hide, reveal, demo), "float32" where numbers are measured."""
    p.add_argument("--precision", choices=INFERENCE_CHOICES, default=default,
                   help=f"what the networks compute in (default: {default}): float32 (exact); "
                   "bfloat16 (2-5x faster on CPUs with AVX512_BF16 or AMX, slow elsewhere; a "
                   "few hundredths of a dB); auto: bfloat16 where the CPU has it and the model "
                   "was exported with it, else float32")


def _add_secret_options(p: argparse.ArgumentParser) -> None:
    """--key, --method and --bits, shared by hide and reveal."""
    p.add_argument("--key", help="passphrase: the secret image is scrambled by key-derived "
                   "block shuffling before hiding and unscrambled on reveal (a video's blocks "
                   f"move across groups of {FRAME_GROUP} frames; obfuscation, not encryption; see README)")
    p.add_argument("--method", choices=["deep", "lsb"], default="deep",
                   help="deep: a model (default); lsb: the classic n-bit LSB baseline, "
                   "image in image")
    p.add_argument("--bits", type=int, default=3, help="bits per sample for --method lsb "
                   "(1-7, default 3)")


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser of every verb."""
    parser = argparse.ArgumentParser(
        prog="keras-steg", description="Deep steganography: hide an image inside another and "
        "reveal it (SCNN, Baluja, ExypnoSteganos; Keras 3).")
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
    model_help = "shipped model name (default: scnn) or an exported model folder"

    p = verbs.add_parser("train", help="train a model on an image or audio folder, or a tfds dataset")
    p.add_argument("--data", required=True, help="image or audio folder (recursive), or a tfds "
                   "name with --data-dir")
    p.add_argument("--modality", choices=["image", "audio"], default="image",
                   help="image: photos in photos; audio: clips in clips (wav, flac, ogg, mp3; "
                   "as 224x224 STFT tensors; any family)")
    p.add_argument("--audio-representation", choices=["magnitude", "complex"], default="magnitude",
                   help="audio: magnitude hides a log-magnitude spectrogram in the cover's "
                   "(its phase kept; the secret's rebuilt by Griffin-Lim); complex hides real and "
                   "imaginary STFT parts (default: magnitude)")
    p.add_argument("--data-dir", help="tfds data_dir holding the prepared dataset (offline)")
    p.add_argument("--split", default="train", help="tfds split (default: train)")
    p.add_argument("--val-data", help="validation image folder, or with --data-dir a tfds split "
                   "(default: hold out --val-fraction of a folder)")
    p.add_argument("--val-fraction", type=float, default=0.1)
    p.add_argument("--out", required=True, help="folder for checkpoints and logs (a killed run resumes)")
    p.add_argument("--model", default="scnn", help="model family: scnn, baluja or exypno (default: scnn)")
    p.add_argument("--model-config", action="append", default=[], metavar="KEY=VALUE",
                   help="argument of the family's builder, repeatable: width=0.25 (exypno), "
                   "filters=16 (baluja), block_context=128 (scnn: a receiver path over 7x7 JPEG "
                   "blocks), qim=10 (scnn: the secret also written into 10 luma DCT coefficients per 8x8 "
                   "block by quantization index modulation), noise_stddev=0.02, quantize=false")
    p.add_argument("--size", type=int, default=64,
                   help="training crop, a multiple of the family's (scnn: 32) (default: 64)")
    p.add_argument("--val-size", type=int, default=256, help="validation image size (default: 256)")
    p.add_argument("--scale-to", type=int, default=256,
                   help="crops at random scales down to this short side (0: native scale only)")
    p.add_argument("--scale-jitter", type=float, default=1.0,
                   help="fraction of that scale range to use, from the --scale-to end: 0 crops "
                   "every patch from the photo shown at --scale-to, as validation scores it (default: 1)")
    p.add_argument("--batch", type=int, default=8, help="cover/secret pairs per step (default: 8)")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--steps-per-epoch", type=int, default=500)
    p.add_argument("--lr", type=float, help="learning rate of the sender's (or the only) Adam "
                   "(default: the family's recipe, see README)")
    p.add_argument("--reveal-lr", type=float,
                   help="learning rate of the receiver's Adam, two-optimizer families (scnn) only")
    p.add_argument("--alpha", type=float, help="weight of the cover loss (default: 1)")
    p.add_argument("--beta", type=float, help="weight of the secret loss (default: 0.75)")
    p.add_argument("--loss", choices=["mse", "sse", "ssim", "spectral"],
                   help="pixel loss (default: the family's, mse; exypno sse as in its paper; "
                   "spectral: log-magnitude MSE + relative spectral error, for magnitude audio)")
    p.add_argument("--cover-loss", choices=["mse", "sse", "ssim", "spectral"],
                   help="the cover pair's loss, if not --loss (default: spectral for magnitude "
                   "audio, else --loss)")
    p.add_argument("--channel", help="training attacks on the container (default: the family's "
                   "8-bit rounding): " + CHANNEL_HELP)
    p.add_argument("--quantize-after", type=int, default=0,
                   help="steps before 8-bit container quantization switches on (default: 0)")
    p.add_argument("--precision", default="auto", choices=PRECISION_CHOICES,
                   help="dtype policy (default: auto = mixed_float16 on a GPU, mixed_bfloat16 on a "
                   "CPU with native bf16, else float32)")
    p.add_argument("--warmup", type=int, default=0, help="steps of linear learning-rate warm-up")
    p.add_argument("--lr-decay", choices=["plateau", "cosine"], default="plateau",
                   help="after the warm-up: plateau = the family's ReduceLROnPlateau schedulers; "
                        "cosine = every rate falls along a half cosine to 0 at the last step "
                        "(replaces the schedulers) (default: plateau)")
    p.add_argument("--bn-batches", type=int, default=50,
                   help="batches for the final precise BatchNorm statistics (0: skip)")
    p.add_argument("--init", help="start from a shipped model, an exported folder or a .keras file")
    p.add_argument("--scramble-secrets", action="store_true",
                   help="hide secrets scrambled under random keys, so the model serves "
                   "hide --key (images only)")
    p.add_argument("--strategy", choices=["none", "mirrored", "multiworker"], default="none",
                   help="tf.distribute: mirrored = one replica per local GPU (or per --cpu-replicas "
                   "logical CPU); multiworker = one process per worker of the TF_CONFIG cluster, "
                   "each running this command (worker 0 writes --out, worker i --out/worker<i>); "
                   "--batch is the global batch, split between replicas")
    p.add_argument("--cpu-replicas", type=int, default=0, metavar="N",
                   help="split the CPU into N logical devices (for --strategy mirrored without GPUs)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--overwrite", action="store_true", help="replace a finished run in --out")
    p.set_defaults(func=cmd_train)

    media_model_help = ("shipped model name or an exported model folder (default by file "
                        "types: scnn for images and video, scnn_audio for audio in audio)")
    p = verbs.add_parser("hide", help="hide a secret (image, audio or video) in a cover; "
                         "file types from the extensions")
    p.add_argument("--cover", required=True, help="image, audio (wav, flac, ogg, mp3) or video")
    p.add_argument("--secret", required=True, help="image, audio, or video (for a video cover)")
    p.add_argument("-o", "--output", required=True,
                   help="container, lossless: .png (image cover), .wav/.flac (audio), .avi (video)")
    p.add_argument("--model", help=media_model_help)
    _add_precision_option(p, "auto")
    p.add_argument("--lossy", action="store_true",
                   help="allow a lossy video container (.mp4): the secret will mostly be lost")
    p.add_argument("--overwrite", action="store_true", help="replace an existing output file")
    _add_secret_options(p)
    p.set_defaults(func=cmd_hide)

    p = verbs.add_parser("reveal", help="reveal the secret of a container (image, audio or video)")
    p.add_argument("container")
    p.add_argument("-o", "--output", required=True,
                   help="revealed secret: .png (image), .wav/.flac (audio), a video name (video)")
    p.add_argument("--model", help=media_model_help)
    _add_precision_option(p, "auto")
    p.add_argument("--overwrite", action="store_true")
    _add_secret_options(p)
    p.set_defaults(func=cmd_reveal)

    p = verbs.add_parser("evaluate", help="quality on a folder, file i hiding file i+1: images "
                         "(PSNR/SSIM/APD), audio (SNR, log-spectral distance) or video "
                         "(per-frame PSNR, mean and min)")
    p.add_argument("--data", required=True, help="folder of images, videos (image models) or "
                   "audio clips (audio models)")
    p.add_argument("--seconds", type=float, default=0, help="audio: use the first S seconds of "
                   "each clip (default: all)")
    p.add_argument("--frames", type=int, default=30, help="video: first N frames (default 30; 0: all)")
    p.add_argument("--model", help=model_help)
    p.add_argument("--size", type=int, default=256,
                   help="centre square of each photo at this size (0: native size; default 256)")
    p.add_argument("--limit", type=int, default=0, help="use only the first N images")
    _add_precision_option(p, "float32")
    p.add_argument("--csv", help="write the per-image table here")
    p.add_argument("--overwrite", action="store_true")
    p.set_defaults(func=cmd_evaluate)

    p = verbs.add_parser("robustness", help="secret PSNR/SSIM after JPEG, noise, crop and resize "
                         "of the saved container: table, CSV and plot")
    p.add_argument("--data", required=True, help="image folder (image i hides image i+1)")
    p.add_argument("--model", action="append",
                   help=model_help + "; repeat to compare models on one plot")
    p.add_argument("--size", type=int, default=256, help="centre square of each photo (default 256)")
    p.add_argument("--pairs", type=int, default=8, help="how many images to use (default 8)")
    p.add_argument("--out", default="robustness", help="folder for robustness.{csv,png,md}")
    p.add_argument("--overwrite", action="store_true")
    p.set_defaults(func=cmd_robustness)

    p = verbs.add_parser("export", help="write sender and receiver SavedModels from a .keras "
                         "checkpoint, or again from an exported model folder")
    p.add_argument("checkpoint", help=".keras file (e.g. OUT/best.keras from train), or an exported "
                   "model folder or shipped name (written again in this version's format)")
    p.add_argument("--weights", choices=["float32", "float16"],
                   help="how weights are stored; float16 halves the files, compute stays float32 "
                   "(default: float32 for a .keras file, the source's for a folder)")
    p.add_argument("-o", "--output", required=True, help="folder for sender/, receiver/, model.keras")
    p.add_argument("--overwrite", action="store_true")
    p.set_defaults(func=cmd_export)

    p = verbs.add_parser("tflite", help="write sender.tflite and receiver.tflite (LiteRT) of a "
                         "shipped or exported model, for phones and edge devices")
    p.add_argument("--model", help=model_help)
    p.add_argument("-o", "--output", required=True, help="folder for sender.tflite, receiver.tflite")
    p.add_argument("--quantize", choices=["none", "float16", "dynamic", "int8"], default="none",
                   help="none: float32 (default); float16: half-size weights; dynamic: int8 "
                   "weights, quarter size, some quality cost; int8: int8 weights and "
                   "activations (integer kernels), needs --calibration")
    p.add_argument("--calibration", metavar="FOLDER",
                   help="int8: photos whose centre squares calibrate the activation ranges")
    p.add_argument("--calibration-count", type=int, default=16, metavar="N",
                   help="int8: calibrate on the first N photos of the folder (default: 16)")
    p.add_argument("--calibration-size", type=int, default=256, metavar="PX",
                   help="int8: side of the calibration squares, a multiple of the model's (default: 256)")
    p.add_argument("--overwrite", action="store_true")
    p.set_defaults(func=cmd_tflite)

    p = verbs.add_parser("demo", help="hide a bundled photo in another and show the result")
    p.add_argument("-o", "--output", default="keras_steg_demo", help="folder (default: ./keras_steg_demo)")
    p.add_argument("--model", help=model_help)
    _add_precision_option(p, "auto")
    p.add_argument("--overwrite", action="store_true")
    p.set_defaults(func=cmd_demo)

    p = verbs.add_parser("models", help="list the shipped models with their measured quality, "
                         "or print one model card")
    p.add_argument("name", nargs="?", help="a shipped model: print its model card")
    p.set_defaults(func=cmd_models)

    from keras_steg.cli_steganalysis import add_verbs

    add_verbs(verbs)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code (0 ok, 2 bad input)."""
    args = build_parser().parse_args(argv)
    import tensorflow as tf

    from keras_steg.imageio import ImageError

    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("always", category=UserWarning, module="keras_steg")
            warnings.showwarning = lambda msg, *a, **k: print(f"note: {msg}", file=sys.stderr)
            args.func(args)
    except (BadInput, ImageError, ValueError, FileNotFoundError, FileExistsError, PermissionError,
            IsADirectoryError, NotADirectoryError, tf.errors.NotFoundError,
            tf.errors.InvalidArgumentError) as err:
        message = str(err).splitlines()[0] if str(err) else type(err).__name__
        print(f"keras-steg {args.verb}: error: {message}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
