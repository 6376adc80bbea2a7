import math

import pytest
import torch

from ganlib import judges, metrics
from ganlib.data import load_mnist


@pytest.fixture(scope="module")
def judge():
    return judges.load_mnist_judge()


def test_judge_beats_98_percent_on_held_out_embedded_digits(judge):
    _, heldout = judges.mnist_judge_splits()
    assert judges.accuracy(judge, heldout) >= 0.98


def test_judge_beats_98_percent_on_the_official_mnist_test_set(judge, full_mnist_root):
    test = load_mnist(full_mnist_root, train=False, download=False)
    assert len(test) == 10000
    assert judges.accuracy(judge, test) >= 0.98


def test_frechet_distance_floor_and_noise(judge):
    reference, heldout = judges.mnist_judge_splits()
    floor = metrics.frechet_distance(judge, reference.images, heldout.images)
    noise = torch.randint(0, 256, (1000, 1, 28, 28), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
    assert 0 < floor < 0.05 * metrics.frechet_distance(judge, reference.images, noise)


def test_confidence_and_coverage_by_hand():
    uniform = torch.eye(10).repeat(3, 1)                     # each digit 3 times, p = 1
    assert metrics.judge_confidence(uniform) == 1.0
    assert metrics.class_coverage(uniform) == pytest.approx(1.0)
    one_digit = torch.zeros(30, 10)
    one_digit[:, 7] = 0.8
    one_digit[:, 1] = 0.2
    assert metrics.judge_confidence(one_digit) == 0.0        # 0.8 < 0.9
    assert metrics.class_coverage(one_digit) == 0.0          # mode collapse
    two = torch.eye(10)[[0, 1] * 5]
    assert metrics.class_coverage(two) == pytest.approx(math.log(2) / math.log(10))


def test_histogram_overlap():
    a = torch.linspace(0, 1, 100)
    assert metrics.histogram_overlap(a, a) == pytest.approx(1.0)
    assert metrics.histogram_overlap(torch.zeros(50), torch.ones(50)) == 0.0


def objects(colours: torch.Tensor, sizes: torch.Tensor) -> torch.Tensor:
    """A centred square of each colour and size (in pixels) on a gray 32 x 32 floor, as uint8."""
    images = torch.full((len(colours), 3, 32, 32), 128, dtype=torch.uint8)
    for image, colour, size in zip(images, colours, sizes):
        lo = 16 - int(size) // 2
        image[:, lo:lo + int(size), lo:lo + int(size)] = colour.view(3, 1, 1)
    return images


def test_a_translator_that_keeps_its_inputs_points_back_to_them_and_a_collapsed_one_does_not():
    gen = torch.Generator().manual_seed(0)
    colours = torch.randint(0, 256, (60, 3), generator=gen, dtype=torch.uint8)
    sizes = torch.randint(6, 20, (60,), generator=gen)
    inputs = objects(colours, sizes)
    kept = objects(colours, sizes)
    kept[:, :, ::4] = kept[:, :, ::4] // 2                        # its colour and size, with dark stripes
    assert metrics.input_recall(inputs, inputs) == 1.0
    assert metrics.input_recall(kept, inputs) > 0.5
    # the same blue object wherever (and however large) the input's was: its outputs still differ
    collapsed = objects(torch.tensor([[40, 60, 220]] * 60, dtype=torch.uint8), sizes)
    assert metrics.pixel_diversity(collapsed) > 0.5 * metrics.pixel_diversity(inputs)
    assert metrics.input_recall(collapsed, inputs) < 0.3


def test_dark_holes_are_counted_beyond_the_black_the_translation_should_have():
    gen = torch.Generator().manual_seed(0)
    sizes = torch.randint(8, 20, (20,), generator=gen)
    plain = objects(torch.randint(60, 256, (20, 3), generator=gen, dtype=torch.uint8), sizes)
    striped = plain.clone()
    striped[:, :, ::4] = 0                                        # black stripes: what the truth has
    holes = striped.clone()
    holes[:, :, 12:20, 12:20] = 0                                 # and an 8 x 8 black hole
    assert metrics.dark_excess(striped, plain) > 0.2              # against the input: the stripes count
    assert metrics.dark_excess(striped, striped) == 0.0           # against the true translation: they do not
    allowed = metrics.dark_share(striped).mean().item()           # unpaired: the target domain's usual share
    assert metrics.dark_excess(striped, plain, allowed) < 0.01
    assert metrics.dark_excess(holes, striped) > 0.03


def test_precision_and_recall_tell_a_generator_of_one_digit_from_one_of_all_ten(judge):
    reference, heldout = judges.mnist_judge_splits()
    real = heldout.images[:1000]
    all_ten = metrics.precision_recall(judge, real, reference.images[:1000])
    sevens = reference.images[reference.labels == 7][:1000]      # a generator that dropped every other digit
    only_sevens = metrics.precision_recall(judge, real, sevens)
    assert all_ten["precision"] > 0.8 and all_ten["recall"] > 0.8
    assert only_sevens["precision"] > 0.8                         # each seven looks real ...
    assert only_sevens["recall"] < 0.3                            # ... but covers a tenth of the digits
    # recall is precision with the roles of the two sets swapped
    assert metrics.precision_recall(judge, sevens, real)["precision"] == only_sevens["recall"]
    noise = torch.randint(0, 256, (500, 1, 28, 28), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
    assert metrics.precision_recall(judge, real, noise)["precision"] < 0.05
    floors = metrics.coverage_scores(judge, sevens, real, reference.images[:1000])
    assert floors["recall_floor"] == all_ten["recall"] and floors["recall"] == only_sevens["recall"]
