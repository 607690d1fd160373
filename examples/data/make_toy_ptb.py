"""Write a synthetic corpus in the format of the PTB language-model data (simple-examples.tgz).

The Penn Treebank files of Mikolov's simple-examples ("ptb.train.txt", "ptb.valid.txt",
"ptb.test.txt") hold one lower-cased sentence per line, words between single spaces, a space at
the start and the end of each line, numbers as "N" and rare words as "<unk>". They cannot be
downloaded here, so this script writes three such files from a small stochastic grammar of
financial-news sentences (a few hundred word types):

    the bank said N million shares rose N % to $ N last week
    analysts expected that mr. <unk> would buy the company 's stock

Words inside a class are drawn with Zipf-like weights and verbs prefer some classes of subject
and object, so a language model can get far below the vocabulary size in perplexity.

    python examples/data/make_toy_ptb.py /tmp/toy_ptb [--train-words 100000] [--seed 0]
"""
import argparse
import os
import random

WORDS = {
    "det": "the a this that another every each no some its".split(),
    "firm": ("company bank firm group unit concern maker investor insurer trust carrier utility "
             "retailer publisher broker lender partnership subsidiary airline exchange").split(),
    "person": ("analysts traders officials executives investors economists dealers managers brokers "
               "lawyers bankers directors spokesmen critics regulators consultants shareholders "
               "lawmakers customers workers").split(),
    "title": "chairman president spokesman director analyst economist executive treasurer".split(),
    "name": ("smith jones brown johnson baker wilson miller davis moore taylor clark lewis hall young "
             "king wright green adams nelson hill campbell mitchell roberts carter phillips evans turner "
             "parker collins edwards stewart morris murphy cook rogers morgan cooper peterson reed bailey").split(),
    "thing": ("shares stock bonds prices sales profit earnings revenue debt rates yields assets "
              "securities futures contracts notes loans funds orders costs dividends margins reserves "
              "output exports imports deposits payments losses gains volume").split(),
    "asset": ("plant business stake division operations units building assets properties network "
              "stores mills factory refinery headquarters subsidiaries brands operations_abroad").split(),
    "adj": ("new big major federal japanese foreign large chief financial strong weak recent "
            "common senior private public local national net higher lower").split(),
    "when": ("yesterday today recently last_week last_month last_year this_year next_year "
             "in_the_quarter in_october in_september in_march in_early_trading in_late_trading").split(),
    "move_up": "rose gained climbed jumped advanced increased soared".split(),
    "move_down": "fell dropped declined slipped eased tumbled plunged".split(),
    "acquire": "bought acquired sold purchased agreed_to_buy agreed_to_sell plans_to_sell owns".split(),
    "say": "said reported noted added expected believe estimated predicted argued".split(),
    "intrans": "declined_to_comment could_n't_be_reached was_n't_available resigned retired".split(),
    "modal": "will would could may might".split(),
    "base": "buy sell raise cut acquire close reduce expand".split(),
    "place": ("new_york tokyo london washington chicago california japan europe the_u.s. "
              "wall_street").split(),
}


def zipf_choice(rng, words):
    """One word, the first in a list the most likely (weight 1 / rank)."""
    return rng.choices(words, weights=[1.0 / rank for rank in range(1, len(words) + 1)])[0]


class Grammar:
    """Sentences as lists of words; '_' inside a listed word joins a fixed phrase."""

    def __init__(self, rng, unk_rate):
        self.rng, self.unk_rate = rng, unk_rate

    def word(self, cls):
        if cls in ("name", "firm", "asset") and self.rng.random() < self.unk_rate:
            return ["<unk>"]  # the long tail PTB maps to <unk>
        return zipf_choice(self.rng, WORDS[cls]).split("_")

    def amount(self):
        return self.rng.choice([["N", "%"], ["$", "N"], ["$", "N", "million"], ["N", "cents"]])

    def firm(self):
        kind = self.rng.random()
        if kind < 0.5:
            return ["the"] + self.maybe("adj", 0.3) + self.word("firm")
        if kind < 0.8:
            return self.word("name") + ["corp."]
        return ["the"] + self.word("place") + self.word("firm")

    def person(self):
        kind = self.rng.random()
        if kind < 0.4:
            return ["mr."] + self.word("name")
        if kind < 0.7:
            return self.maybe("adj", 0.3) + self.word("person")
        return ["the"] + self.word("title") + ["of"] + self.firm()

    def thing(self):
        owner = self.firm() + ["'s"] if self.rng.random() < 0.3 else self.word("det")
        return owner + self.maybe("adj", 0.3) + self.word("thing")

    def maybe(self, cls, p):
        return self.word(cls) if self.rng.random() < p else []

    def when(self):
        return self.word("when") if self.rng.random() < 0.6 else []

    def sentence(self, depth=0):
        kind = self.rng.random()
        if kind < 0.35:  # the stock rose N % to $ N yesterday
            verb = self.word("move_up" if self.rng.random() < 0.5 else "move_down")
            tail = ["to"] + self.amount() if self.rng.random() < 0.4 else []
            return self.thing() + verb + self.amount() + tail + self.when()
        if kind < 0.6:  # the company sold its plant for $ N million
            price = ["for", "$", "N", "million"] if self.rng.random() < 0.5 else []
            return self.firm() + self.word("acquire") + self.word("det") + self.word("asset") + price + self.when()
        if kind < 0.85 and depth < 2:  # analysts said that ...
            that = ["that"] if self.rng.random() < 0.5 else []
            return self.person() + self.word("say") + that + self.sentence(depth + 1)
        if kind < 0.93:  # mr. smith will buy the unit
            return self.person() + self.word("modal") + self.word("base") + ["the"] + self.word("asset")
        return self.person() + self.word("intrans")


def write_part(path, grammar, n_words):
    written = 0
    with open(path, "w") as f:
        while written < n_words:
            words = grammar.sentence()
            f.write(" " + " ".join(words) + " \n")
            written += len(words) + 1  # the reader counts each newline as <eos>


def parse(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", help="folder to write ptb.{train,valid,test}.txt into (made if missing)")
    parser.add_argument("--train-words", type=int, default=100000, help="words in ptb.train.txt (default 100000)")
    parser.add_argument("--eval-words", type=int, default=8000,
                        help="words in ptb.valid.txt and in ptb.test.txt (default 8000)")
    parser.add_argument("--unk-rate", type=float, default=0.05,
                        help="chance a name, firm or asset is <unk> (default 0.05)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse(argv)
    os.makedirs(args.out_dir, exist_ok=True)
    grammar = Grammar(random.Random(args.seed), args.unk_rate)
    for part, n_words in (("train", args.train_words), ("valid", args.eval_words), ("test", args.eval_words)):
        write_part(os.path.join(args.out_dir, f"ptb.{part}.txt"), grammar, n_words)
    print(f"wrote ptb.train.txt, ptb.valid.txt, ptb.test.txt to {args.out_dir}")


if __name__ == "__main__":
    main()
