#!/usr/bin/env python3
"""Anchor for crates/bench/src/bin/classify.rs: scikit-learn TF-IDF (word 1-2-grams, sublinear
tf) + logistic regression on the UPR Info export, with the same split as ours: train on
sessions 1-12, test on 13-16; the issues threshold is tuned on a dev split carved from the
training sessions only (train 1-10, dev 11-12). Prints one JSON object.

Usage: python3 scripts/anchor_classify.py [DATA_DIR]   (default ../shared/data)

Installs scikit-learn from PyPI into a venv under the cargo target dir when it is missing,
and downloads nothing else.
"""
import os
import sys

# One core for the predictions-per-second figure, set before numpy loads.
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "anchor-venv")


def ensure_sklearn():
    try:
        import sklearn  # noqa: F401
        return
    except ImportError:
        pass
    if os.path.realpath(sys.prefix) == os.path.realpath(VENV):
        sys.exit("scikit-learn is still missing inside " + VENV)
    import subprocess
    python = os.path.join(VENV, "bin", "python3")
    if not os.path.exists(python):
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True, stdout=sys.stderr)
    if subprocess.run([python, "-c", "import sklearn"], stderr=subprocess.DEVNULL).returncode != 0:
        subprocess.run([python, "-m", "pip", "install", "--quiet", "scikit-learn"], check=True, stdout=sys.stderr)
    os.execv(python, [python] + sys.argv)


ensure_sklearn()

import csv  # noqa: E402
import glob  # noqa: E402
import html  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import accuracy_score, f1_score  # noqa: E402
from sklearn.multiclass import OneVsRestClassifier  # noqa: E402
from sklearn.preprocessing import MultiLabelBinarizer  # noqa: E402


def identity(text):
    """Our importer's identity text: white space folded, lower case, final . ; , dropped."""
    key = " ".join(text.split()).lower()
    return key.rstrip(".;, ")


def load(data_dir):
    recs, index = [], {}
    for path in sorted(glob.glob(os.path.join(data_dir, "upr-info", "*.csv"))):
        text = open(path, "rb").read().decode("mac_roman")
        for row in csv.DictReader(io.StringIO(text.replace("\r\n", "\n").replace("\r", "\n"))):
            body = html.unescape((row.get("Text") or "").strip())
            session = (row.get("Session") or "").strip()
            if not body or not session.isdigit():
                continue
            issues = [i.strip() for i in html.unescape(row.get("Issue") or "").split(",") if i.strip()]
            key = (row["To"].strip(), int(session), identity(body))
            if key in index:
                rec = index[key]
                rec["issues"] |= set(issues)
            else:
                index[key] = rec = {"text": body, "session": int(session), "issues": set(issues),
                                    "action": (row.get("Action") or "").strip()}
                recs.append(rec)
    return recs


def vectorizer():
    return TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)


def fit_issues(texts, labels, mlb):
    vec = vectorizer()
    x = vec.fit_transform(texts)
    clf = OneVsRestClassifier(LogisticRegression(solver="liblinear"))
    clf.fit(x, mlb.transform(labels))
    return vec, clf


def best_threshold(y, proba):
    best = (0.0, 0.5)
    for t in np.arange(0.05, 0.95, 0.01):
        best = max(best, (f1_score(y, proba >= t, average="micro", zero_division=0), float(t)))
    return best[1]


def main():
    data_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "..", "shared", "data")
    recs = load(data_dir)
    train = [r for r in recs if r["session"] <= 12]
    test = [r for r in recs if r["session"] >= 13]
    fit, dev = [r for r in train if r["session"] <= 10], [r for r in train if r["session"] > 10]
    mlb = MultiLabelBinarizer().fit([r["issues"] for r in recs])

    # Threshold from the dev split, then the final fit on all training sessions.
    vec, clf = fit_issues([r["text"] for r in fit], [r["issues"] for r in fit], mlb)
    threshold = best_threshold(mlb.transform([r["issues"] for r in dev]),
                               clf.predict_proba(vec.transform([r["text"] for r in dev])))

    start = time.perf_counter()
    vec, clf = fit_issues([r["text"] for r in train], [r["issues"] for r in train], mlb)
    issues_train = time.perf_counter() - start
    act_train = [r for r in train if r["action"]]
    start = time.perf_counter()
    act_vec = vectorizer()
    act_clf = LogisticRegression(max_iter=1000).fit(act_vec.fit_transform([r["text"] for r in act_train]),
                                                    [r["action"] for r in act_train])
    action_train = time.perf_counter() - start

    texts = [r["text"] for r in test]
    start = time.perf_counter()
    proba = clf.predict_proba(vec.transform(texts))
    predicted_actions = act_clf.predict(act_vec.transform(texts))
    predict_seconds = time.perf_counter() - start

    y = mlb.transform([r["issues"] for r in test])
    pred = proba >= threshold
    act_test = [(r["action"], p) for r, p in zip(test, predicted_actions) if r["action"]]
    print(json.dumps({
        "train": len(train), "test": len(test), "dev": len(dev), "threshold": threshold,
        "issues_micro_f1": f1_score(y, pred, average="micro", zero_division=0),
        "issues_macro_f1": f1_score(y, pred, average="macro", zero_division=0),
        "action_macro_f1": f1_score([a for a, _ in act_test], [p for _, p in act_test], average="macro"),
        "action_accuracy": accuracy_score([a for a, _ in act_test], [p for _, p in act_test]),
        "train_seconds": issues_train + action_train,
        "predictions_per_second": len(texts) / predict_seconds,
    }))


if __name__ == "__main__":
    main()
